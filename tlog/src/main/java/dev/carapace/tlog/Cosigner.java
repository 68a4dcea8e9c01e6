package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Ed25519PublicKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * C2SP tlog-cosignature v1 with Ed25519 (signature type 0x04): a witness's timestamped statement that a checkpoint is
 * the largest consistent tree head it has seen for the log. Signed message:
 * {@code "cosignature/v1\ntime <T>\n" || checkpoint text}; signature bytes: {@code u64 timestamp || Ed25519 sig}.
 */
public record Cosigner(String name, Ed25519PublicKey key) {
    public static final byte TYPE = 0x04;

    public Cosigner {
        NoteVerifier.checkName(name);
    }

    /** The witness's verifier key, {@code <name>+<hex key ID>+base64(0x04 || public key)}. */
    public String encode() {
        byte[] material = new byte[33];
        material[0] = TYPE;
        System.arraycopy(key.bytes(), 0, material, 1, 32);
        return name + "+" + HexFormat.of().formatHex(keyId()) + "+" + Bytes.b64(material);
    }

    /** Parses a witness verifier key, checking that the stated key ID is the one the name and key give. */
    public static Cosigner parse(String vkey) throws CryptoException {
        String[] parts = vkey.trim().split("\\+", 3);
        if (parts.length != 3 || !parts[1].matches("[0-9a-f]{8}")) {
            throw new CryptoException("a witness key is name+keyid+key");
        }
        byte[] material = Bytes.fromB64(parts[2]);
        if (material.length != 33 || material[0] != TYPE) {
            throw new CryptoException("only Ed25519 cosignature (type 0x04) witness keys are supported");
        }
        Cosigner c;
        try {
            c = new Cosigner(parts[0], Ed25519PublicKey.fromBytes(Arrays.copyOfRange(material, 1, 33)));
        } catch (IllegalArgumentException e) {
            throw new CryptoException("bad witness name: " + e.getMessage());
        }
        if (!HexFormat.of().formatHex(c.keyId()).equals(parts[1])) {
            throw new CryptoException("the key ID does not match the name and key");
        }
        return c;
    }

    public byte[] keyId() {
        MessageDigest md = Bytes.sha256();
        md.update(name.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0x0A);
        md.update(TYPE);
        md.update(key.bytes());
        return Arrays.copyOf(md.digest(), 4);
    }

    static byte[] message(String checkpointText, long timestamp) {
        return ("cosignature/v1\ntime " + timestamp + "\n" + checkpointText).getBytes(StandardCharsets.UTF_8);
    }

    /** A cosignature line for the checkpoint, to append to its note. */
    public static String cosign(String name, Ed25519KeyPair key, Checkpoint checkpoint, long timestamp) {
        byte[] sig = key.sign(message(checkpoint.text(), timestamp));
        byte[] body = ByteBuffer.allocate(8 + 64).putLong(timestamp).put(sig).array();
        return SignedNote.line(name, new Cosigner(name, key.publicKey()).keyId(), body);
    }

    /** True if {@code line} is this cosigner's valid cosignature of the checkpoint text. */
    boolean verifies(SignedNote.SignatureLine line, String checkpointText) {
        if (!line.name().equals(name) || !Arrays.equals(line.keyId(), keyId()) || line.signature().length != 72) {
            return false;
        }
        long ts = ByteBuffer.wrap(line.signature(), 0, 8).getLong();
        return ts >= 0 && key.verify(message(checkpointText, ts), Arrays.copyOfRange(line.signature(), 8, 72));
    }

    /**
     * A client's policy: the checkpoint must be signed by the log and cosigned by at least {@code k} of the named
     * witnesses. Returns the verified checkpoint.
     */
    public static Checkpoint requireQuorum(String note, NoteVerifier log, List<Cosigner> witnesses, int k)
            throws CryptoException {
        Checkpoint cp = Checkpoint.open(note, log);
        Set<String> good = cosignedBy(note, witnesses);
        if (good.size() < k) {
            throw new CryptoException("only " + good.size() + " of the required " + k + " witnesses cosigned");
        }
        return cp;
    }

    /** The names of the given witnesses whose valid cosignatures the note carries; verifies nothing else. */
    public static Set<String> cosignedBy(String note, List<Cosigner> witnesses) throws CryptoException {
        return validLines(note, witnesses).keySet();
    }

    /** The valid cosignature lines the note carries from the given witnesses, by witness name. */
    public static Map<String, String> validLines(String note, List<Cosigner> witnesses) throws CryptoException {
        SignedNote.Parsed parsed = SignedNote.parse(note);
        Map<String, String> good = new TreeMap<>();
        for (SignedNote.SignatureLine line : parsed.lines()) {
            for (Cosigner w : witnesses) {
                if (w.verifies(line, parsed.text())) {
                    good.put(w.name(), SignedNote.line(line.name(), line.keyId(), line.signature()));
                }
            }
        }
        return good;
    }
}
