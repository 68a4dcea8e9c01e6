package dev.carapace.crypto;

import java.util.Arrays;

/**
 * A self-certifying identifier for an agent or an owner.
 *
 * <p>Text form: {@code cara1} followed by 58 lower-case base32 characters encoding 36 bytes: the SHA-256 digest of
 * the canonical (RFC 8785) inception event, then a 4-byte checksum, the first bytes of SHA-256 of that digest. The
 * inception event names the first key and commits to the next one, so the id binds both: nobody can claim an id
 * without the key that created it, and nobody holding only the first key can start a second history for it.
 */
public final class AgentId implements Comparable<AgentId> {
    public static final String PREFIX = "cara1";
    private static final int DIGEST_LENGTH = 32;
    private static final int CHECKSUM_LENGTH = 4;
    public static final int TEXT_LENGTH = PREFIX.length() + ((DIGEST_LENGTH + CHECKSUM_LENGTH) * 8 + 4) / 5;

    private final byte[] digest;
    private final String text;

    private AgentId(byte[] digest) {
        this.digest = digest;
        byte[] checksum = Arrays.copyOf(Bytes.sha256(digest), CHECKSUM_LENGTH);
        byte[] all = new byte[DIGEST_LENGTH + CHECKSUM_LENGTH];
        System.arraycopy(digest, 0, all, 0, DIGEST_LENGTH);
        System.arraycopy(checksum, 0, all, DIGEST_LENGTH, CHECKSUM_LENGTH);
        this.text = PREFIX + Base32.encode(all);
    }

    /** The id of an identity whose inception event has the given canonical digest. */
    public static AgentId fromInceptionDigest(byte[] digest) {
        if (digest.length != DIGEST_LENGTH) {
            throw new IllegalArgumentException("inception digest must be 32 bytes");
        }
        return new AgentId(digest.clone());
    }

    /** Parses the text form, checking prefix, alphabet, length and checksum. Accepts upper case input. */
    public static AgentId parse(String s) throws CryptoException {
        if (s == null) {
            throw new CryptoException("missing agent id");
        }
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.startsWith(PREFIX)) {
            throw new CryptoException("an agent id starts with '" + PREFIX + "'");
        }
        if (t.length() != TEXT_LENGTH) {
            throw new CryptoException("an agent id is " + TEXT_LENGTH + " characters long, not " + t.length());
        }
        byte[] all;
        try {
            all = Base32.decode(t.substring(PREFIX.length()), DIGEST_LENGTH + CHECKSUM_LENGTH);
        } catch (CryptoException e) {
            throw new CryptoException("malformed agent id: " + e.getMessage());
        }
        byte[] digest = Arrays.copyOf(all, DIGEST_LENGTH);
        byte[] checksum = Arrays.copyOfRange(all, DIGEST_LENGTH, all.length);
        if (!Bytes.constantTimeEquals(checksum, Arrays.copyOf(Bytes.sha256(digest), CHECKSUM_LENGTH))) {
            throw new CryptoException("agent id checksum does not match (mistyped?)");
        }
        return new AgentId(digest);
    }

    public static boolean isValid(String s) {
        try {
            parse(s);
            return true;
        } catch (CryptoException e) {
            return false;
        }
    }

    public byte[] digest() {
        return digest.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AgentId other && Bytes.constantTimeEquals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    @Override
    public int compareTo(AgentId o) {
        return text.compareTo(o.text);
    }

    @Override
    public String toString() {
        return text;
    }
}
