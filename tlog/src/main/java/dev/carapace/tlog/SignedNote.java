package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * C2SP signed notes: a text ending in a newline, a blank line, then signature lines
 * {@code — <name> base64(keyID || signature)}. Opening a note verifies every signature by a known key (a bad one
 * rejects the note), ignores unknown keys, and requires at least one known, valid signature.
 */
public final class SignedNote {
    public static final int MAX_NOTE_BYTES = 64 * 1024;
    public static final int MAX_SIGNATURES = 100;
    private static final String DASH = "\u2014 ";

    private SignedNote() {}

    /** The verified text and the names of the known keys that signed it. */
    public record Opened(String text, List<String> signers) {}

    /** Signs {@code text} (which must end in a newline) with one or more Ed25519 keys under their names. */
    public static String sign(String text, List<String> names, List<Ed25519KeyPair> keys) {
        checkText(text);
        StringBuilder sb = new StringBuilder(text).append('\n');
        byte[] msg = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < keys.size(); i++) {
            NoteVerifier v = NoteVerifier.of(names.get(i), keys.get(i).publicKey());
            byte[] sig = keys.get(i).sign(msg);
            byte[] all = new byte[4 + sig.length];
            System.arraycopy(v.keyId(), 0, all, 0, 4);
            System.arraycopy(sig, 0, all, 4, sig.length);
            sb.append(DASH).append(names.get(i)).append(' ').append(Bytes.b64(all)).append('\n');
        }
        return sb.toString();
    }

    public static String sign(String text, String name, Ed25519KeyPair key) {
        return sign(text, List.of(name), List.of(key));
    }

    /** One signature line: the key name and the decoded {@code keyID || signature} bytes. */
    public record SignatureLine(String name, byte[] keyId, byte[] signature) {}

    /** A note split into its text and signature lines, nothing verified yet. */
    public record Parsed(String text, List<SignatureLine> lines) {}

    /** Splits a note strictly into text and signature lines; verifies nothing. */
    public static Parsed parse(String note) throws CryptoException {
        if (note.getBytes(StandardCharsets.UTF_8).length > MAX_NOTE_BYTES) {
            throw new CryptoException("note is too large");
        }
        if (note.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            throw new CryptoException("note holds control characters");
        }
        int split = note.lastIndexOf("\n\n");
        if (split < 0 || !note.endsWith("\n")) {
            throw new CryptoException("note has no signature block");
        }
        String text = note.substring(0, split + 1);
        String[] raw = note.substring(split + 2).split("\n", -1);
        if (!raw[raw.length - 1].isEmpty()) {
            throw new CryptoException("note does not end with a newline");
        }
        if (raw.length - 1 > MAX_SIGNATURES) {
            throw new CryptoException("too many signatures");
        }
        List<SignatureLine> lines = new ArrayList<>();
        for (int i = 0; i < raw.length - 1; i++) {
            String line = raw[i];
            int space = line.indexOf(' ', DASH.length());
            if (!line.startsWith(DASH) || space < 0) {
                throw new CryptoException("malformed signature line");
            }
            byte[] all = Bytes.fromB64(line.substring(space + 1));
            if (all.length < 5) {
                throw new CryptoException("signature too short");
            }
            lines.add(new SignatureLine(line.substring(DASH.length(), space), Arrays.copyOf(all, 4),
                    Arrays.copyOfRange(all, 4, all.length)));
        }
        return new Parsed(text, lines);
    }

    /** Verifies a note against the trusted verifiers. */
    public static Opened open(String note, List<NoteVerifier> trusted) throws CryptoException {
        Parsed parsed = parse(note);
        byte[] text = parsed.text().getBytes(StandardCharsets.UTF_8);
        List<String> signers = new ArrayList<>();
        for (SignatureLine line : parsed.lines()) {
            for (NoteVerifier v : trusted) {
                if (v.name().equals(line.name()) && Arrays.equals(v.keyId(), line.keyId())) {
                    if (!v.key().verify(text, line.signature())) {
                        throw new CryptoException("invalid signature by " + line.name());
                    }
                    if (!signers.contains(line.name())) {
                        signers.add(line.name());
                    }
                }
            }
        }
        if (signers.isEmpty()) {
            throw new CryptoException("no signature by a known key");
        }
        return new Opened(parsed.text(), signers);
    }

    /** Appends signature lines (e.g. cosignatures) to a signed note. */
    public static String withLines(String note, List<String> lines) {
        StringBuilder sb = new StringBuilder(note);
        lines.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    static String line(String name, byte[] keyId, byte[] signature) {
        byte[] all = new byte[4 + signature.length];
        System.arraycopy(keyId, 0, all, 0, 4);
        System.arraycopy(signature, 0, all, 4, signature.length);
        return DASH + name + " " + Bytes.b64(all);
    }

    private static void checkText(String text) {
        if (!text.endsWith("\n") || text.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            throw new IllegalArgumentException("note text must end in a newline and hold no control characters");
        }
    }
}
