package dev.carapace.mls.codec;

/** Helpers for the RFC 9420 §2.1.2 variable-length integer (values 0 .. 2^30-1). */
public final class Varint {
    public static final long MAX_VALUE = (1L << 30) - 1;

    private Varint() {
    }

    /** Minimal encoded length in bytes (1, 2 or 4). */
    public static int encodedLength(long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("varint out of range: " + value);
        }
        if (value < (1 << 6)) {
            return 1;
        }
        if (value < (1 << 14)) {
            return 2;
        }
        return 4;
    }
}
