package dev.carapace.crypto;

import java.util.regex.Pattern;

/**
 * A key id, {@code <agent id>#<seq>}: one key of one identity, named by the seq of the event that established it.
 * Only the canonical text is accepted, the form {@link KeyEventLog#keyId} writes: the agent id in its canonical
 * (lower-case, untrimmed) form, '#', and the seq in decimal without sign or leading zeros. Aliases such as
 * {@code #00} or {@code #+0} would let one signature be presented under several names.
 */
public record KeyId(AgentId id, long seq) {
    private static final Pattern SEQ = Pattern.compile("0|[1-9][0-9]{0,17}");

    /** Parses the canonical text of a key id. */
    public static KeyId parse(String s) throws CryptoException {
        int hash = s == null ? -1 : s.lastIndexOf('#');
        if (hash < 0) {
            throw new CryptoException("a key id is <agent id>#<seq>");
        }
        long seq = parseSeq(s.substring(hash + 1));
        if (seq < 0) {
            throw new CryptoException("the seq of a key id is a decimal number without sign or leading zeros");
        }
        String idText = s.substring(0, hash);
        AgentId id = AgentId.parse(idText);
        if (!id.toString().equals(idText)) {
            throw new CryptoException("the agent id of a key id must be in canonical (lower-case) form");
        }
        return new KeyId(id, seq);
    }

    /** The seq written canonically, or -1 if {@code s} is not one. */
    public static long parseSeq(String s) {
        return s != null && SEQ.matcher(s).matches() ? Long.parseLong(s) : -1;
    }

    @Override
    public String toString() {
        return id + "#" + seq; // the one place a key id is written
    }
}
