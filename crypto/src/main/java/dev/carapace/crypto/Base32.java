package dev.carapace.crypto;

/** RFC 4648 base32 in lower case without padding: case-insensitive to read, safe in file names, URLs and speech. */
final class Base32 {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private Base32() {}

    static String encode(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(ALPHABET[(buffer << (5 - bits)) & 31]);
        }
        return sb.toString();
    }

    /** Decodes exactly {@code length} bytes; rejects foreign characters and non-zero padding bits. */
    static byte[] decode(String s, int length) throws CryptoException {
        if (s.length() != (length * 8 + 4) / 5) {
            throw new CryptoException("wrong length");
        }
        byte[] out = new byte[length];
        int buffer = 0;
        int bits = 0;
        int pos = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = Character.toLowerCase(s.charAt(i));
            int v;
            if (c >= 'a' && c <= 'z') {
                v = c - 'a';
            } else if (c >= '2' && c <= '7') {
                v = c - '2' + 26;
            } else {
                throw new CryptoException("character '" + s.charAt(i) + "' is not base32");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[pos++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw new CryptoException("non-canonical trailing bits");
        }
        return out;
    }
}
