package dev.carapace.mls.codec;

/**
 * Growable writer for the TLS presentation language. Not thread-safe (one writer per encode). A plain array rather
 * than ByteArrayOutputStream: messages are encoded several times each (TBS, AAD, plaintext, wire), and the
 * stream's synchronised single-byte writes and growth from 32 bytes showed up in application-message profiles.
 */
public final class TlsWriter {
    private final Out out = new Out();

    /** Minimal unsynchronised byte buffer. */
    private static final class Out {
        private byte[] buf = new byte[128];
        private int len;

        private void ensure(int extra) {
            if (len + extra > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
            }
        }

        void write(int b) {
            ensure(1);
            buf[len++] = (byte) b;
        }

        void writeBytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, len);
        }
    }

    public TlsWriter writeUint8(int v) {
        checkRange(v, 0xff);
        out.write(v);
        return this;
    }

    public TlsWriter writeUint16(int v) {
        checkRange(v, 0xffff);
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    public TlsWriter writeUint32(long v) {
        checkRange(v, 0xffffffffL);
        for (int s = 24; s >= 0; s -= 8) {
            out.write((int) (v >>> s));
        }
        return this;
    }

    public TlsWriter writeUint64(long v) {
        for (int s = 56; s >= 0; s -= 8) {
            out.write((int) (v >>> s));
        }
        return this;
    }

    /** Writes the minimal RFC 9420 §2.1.2 varint encoding. */
    public TlsWriter writeVarint(long v) {
        switch (Varint.encodedLength(v)) {
            case 1 -> out.write((int) v);
            case 2 -> {
                out.write((int) (0x40 | (v >>> 8)));
                out.write((int) v);
            }
            default -> {
                out.write((int) (0x80 | (v >>> 24)));
                out.write((int) (v >>> 16));
                out.write((int) (v >>> 8));
                out.write((int) v);
            }
        }
        return this;
    }

    public TlsWriter writeBytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** Writes {@code opaque x<V>}: varint length then the bytes. */
    public TlsWriter writeVarBytes(byte[] b) {
        writeVarint(b.length);
        out.writeBytes(b);
        return this;
    }

    /** Writes a vector of structs: each item is encoded into a scratch writer, then length-prefixed. */
    public <T> TlsWriter writeList(java.util.List<T> items, java.util.function.BiConsumer<TlsWriter, T> item) {
        TlsWriter sub = new TlsWriter();
        for (T t : items) {
            item.accept(sub, t);
        }
        return writeVarBytes(sub.toByteArray());
    }

    /** Writes {@code optional<T>}: presence byte, then the value if non-null. */
    public <T> TlsWriter writeOptional(T value, java.util.function.BiConsumer<TlsWriter, T> item) {
        writePresence(value != null);
        if (value != null) {
            item.accept(this, value);
        }
        return this;
    }

    /** Writes {@code uint16 x<V>}. */
    public TlsWriter writeUint16List(java.util.List<Integer> items) {
        return writeList(items, TlsWriter::writeUint16);
    }

    public TlsWriter writePresence(boolean present) {
        return writeUint8(present ? 1 : 0);
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private static void checkRange(long v, long max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("value " + v + " out of range 0.." + max);
        }
    }
}
