package dev.carapace.mls.codec;

import java.util.Arrays;

/**
 * Bounded reader over an immutable byte array. Not thread-safe (one reader per decode).
 *
 * <p>Every vector length is checked against both the remaining input and {@link #maxVectorLength()}
 * before any allocation.
 */
public final class TlsReader {
    /** Default cap on a single vector's length: generous for MLS messages, far below heap exhaustion. */
    public static final int DEFAULT_MAX_VECTOR_LENGTH = 16 * 1024 * 1024;

    private final byte[] data;
    private final int end;
    private final int maxVectorLength;
    private int pos;

    public TlsReader(byte[] data) {
        this(data, DEFAULT_MAX_VECTOR_LENGTH);
    }

    public TlsReader(byte[] data, int maxVectorLength) {
        if (maxVectorLength < 0) {
            throw new IllegalArgumentException("maxVectorLength must be >= 0");
        }
        this.data = data;
        this.end = data.length;
        this.maxVectorLength = maxVectorLength;
    }

    public int maxVectorLength() {
        return maxVectorLength;
    }

    public int remaining() {
        return end - pos;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    private void require(long n) {
        if (n > remaining()) {
            throw new DecodeException("truncated input: need " + n + " bytes, have " + remaining());
        }
    }

    public int readUint8() {
        require(1);
        return data[pos++] & 0xff;
    }

    public int readUint16() {
        require(2);
        int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    public long readUint32() {
        require(4);
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += 4;
        return v;
    }

    /** Reads a uint64; values above {@link Long#MAX_VALUE} come back negative (use unsigned helpers). */
    public long readUint64() {
        require(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    /**
     * RFC 9420 §2.1.2 variable-length integer. The two high bits of the first byte give the length
     * (1, 2 or 4 bytes); prefix 0b11 is invalid and non-minimal encodings are rejected.
     */
    public int readVarint() {
        require(1);
        int first = data[pos] & 0xff;
        int prefix = first >>> 6;
        if (prefix == 3) {
            throw new DecodeException("invalid varint prefix 0b11");
        }
        int len = 1 << prefix;
        require(len);
        long v = first & 0x3f;
        for (int i = 1; i < len; i++) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        if (Varint.encodedLength(v) != len) {
            throw new DecodeException("non-minimal varint encoding of " + v);
        }
        pos += len;
        return (int) v;
    }

    /** Reads exactly {@code n} raw bytes. */
    public byte[] readBytes(int n) {
        if (n < 0) {
            throw new DecodeException("negative length");
        }
        require(n);
        byte[] out = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** Reads a varint-length-prefixed opaque vector ({@code opaque x<V>}). */
    public byte[] readVarBytes() {
        int len = readVectorLength();
        return readBytes(len);
    }

    /**
     * Reads a vector length prefix and validates it against remaining input and the configured maximum,
     * then returns a sub-reader scoped to exactly that many bytes (for vectors of structs).
     */
    public TlsReader readVectorBody() {
        int len = readVectorLength();
        TlsReader sub = new TlsReader(Arrays.copyOfRange(data, pos, pos + len), maxVectorLength);
        pos += len;
        return sub;
    }

    private int readVectorLength() {
        int len = readVarint();
        if (len > maxVectorLength) {
            throw new DecodeException("vector length " + len + " exceeds limit " + maxVectorLength);
        }
        require(len);
        return len;
    }

    /**
     * Reads a vector of structs: the length prefix bounds a sub-reader, and {@code item} is applied until the
     * sub-reader is exhausted. Every element consumes at least one byte, so the element count is bounded by input.
     */
    public <T> java.util.List<T> readList(java.util.function.Function<TlsReader, T> item) {
        TlsReader sub = readVectorBody();
        java.util.List<T> out = new java.util.ArrayList<>();
        while (sub.hasRemaining()) {
            int before = sub.remaining();
            out.add(item.apply(sub));
            if (sub.remaining() == before) {
                throw new DecodeException("list element consumed no input");
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** Reads {@code optional<T>}: null when absent. */
    public <T> T readOptional(java.util.function.Function<TlsReader, T> item) {
        return readPresence() ? item.apply(this) : null;
    }

    /** Reads {@code uint16 x<V>}. */
    public java.util.List<Integer> readUint16List() {
        return readList(TlsReader::readUint16);
    }

    /** Current read offset (for callers that need the exact bytes of a decoded sub-structure). */
    public int position() {
        return pos;
    }

    /** The raw input bytes between two offsets. */
    public byte[] slice(int from, int to) {
        return Arrays.copyOfRange(data, from, to);
    }

    /** Reads an {@code optional<T>} presence byte, which must be 0 or 1. */
    public boolean readPresence() {
        int b = readUint8();
        if (b > 1) {
            throw new DecodeException("invalid optional presence byte " + b);
        }
        return b == 1;
    }

    /** Fails unless the whole input was consumed; MLS structures must not carry trailing bytes. */
    public void requireFullyConsumed() {
        if (hasRemaining()) {
            throw new DecodeException(remaining() + " trailing bytes");
        }
    }
}
