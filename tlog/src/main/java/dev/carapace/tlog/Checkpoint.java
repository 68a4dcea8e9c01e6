package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import java.util.List;

/**
 * A C2SP tlog-checkpoint: origin line, decimal tree size, base64 root hash, then optional non-empty extension lines.
 * Parsed strictly, so one checkpoint has one text.
 */
public record Checkpoint(String origin, long size, byte[] root, List<String> extensions) {
    public Checkpoint {
        extensions = List.copyOf(extensions);
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(origin).append('\n').append(size).append('\n').append(Bytes.b64(root)).append('\n');
        for (String e : extensions) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }

    public static Checkpoint parse(String text) throws CryptoException {
        if (!text.endsWith("\n")) {
            throw new CryptoException("checkpoint text must end in a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length < 3) {
            throw new CryptoException("a checkpoint has at least three lines");
        }
        for (String l : lines) {
            if (l.isEmpty()) {
                throw new CryptoException("checkpoint lines must be non-empty");
            }
        }
        if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
            throw new CryptoException("tree size must be a decimal number without leading zeros");
        }
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw new CryptoException("tree size out of range");
        }
        byte[] root = Bytes.fromB64(lines[2]);
        if (root.length != Merkle.HASH_LENGTH || !Bytes.b64(root).equals(lines[2])) {
            throw new CryptoException("root hash must be 32 bytes in canonical base64");
        }
        return new Checkpoint(lines[0], size, root, List.of(lines).subList(3, lines.length));
    }

    /** Verifies a signed checkpoint note with the log's verifier key, which must be named after the origin. */
    public static Checkpoint open(String note, NoteVerifier logKey) throws CryptoException {
        SignedNote.Opened opened = SignedNote.open(note, List.of(logKey));
        Checkpoint c = parse(opened.text());
        if (!c.origin().equals(logKey.name())) {
            throw new CryptoException("checkpoint origin " + c.origin() + " is not the log's name " + logKey.name());
        }
        return c;
    }
}
