package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519PublicKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A C2SP signed-note Ed25519 verifier key: {@code <name>+<hex key ID>+base64(0x01 || public key)}, with
 * {@code key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]}.
 */
public record NoteVerifier(String name, byte[] keyId, Ed25519PublicKey key) {
    public static final byte ED25519 = 0x01;

    public static NoteVerifier of(String name, Ed25519PublicKey key) {
        checkName(name);
        return new NoteVerifier(name, keyId(name, key), key);
    }

    /** Parses a vkey string, checking that the stated key ID is the one the name and key give. */
    public static NoteVerifier parse(String vkey) throws CryptoException {
        // The key material is standard base64, which may itself contain "+": split at the first two only.
        String[] parts = vkey.trim().split("\\+", 3);
        if (parts.length != 3) {
            throw new CryptoException("a verifier key is name+keyid+key");
        }
        checkName(parts[0]);
        if (!parts[1].matches("[0-9a-f]{8}")) {
            throw new CryptoException("the key ID must be 8 lower-case hex digits");
        }
        byte[] material = Bytes.fromB64(parts[2]);
        if (material.length != 33 || material[0] != ED25519) {
            throw new CryptoException("only Ed25519 (type 0x01) verifier keys are supported");
        }
        Ed25519PublicKey key = Ed25519PublicKey.fromBytes(Arrays.copyOfRange(material, 1, 33));
        NoteVerifier v = of(parts[0], key);
        if (!HexFormat.of().formatHex(v.keyId()).equals(parts[1])) {
            throw new CryptoException("the key ID does not match the name and key");
        }
        return v;
    }

    static byte[] keyId(String name, Ed25519PublicKey key) {
        MessageDigest md = Bytes.sha256();
        md.update(name.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0x0A);
        md.update(ED25519);
        md.update(key.bytes());
        return Arrays.copyOf(md.digest(), 4);
    }

    static void checkName(String name) {
        if (name.isEmpty() || name.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c)
                || c == '+' || c < 0x20)) {
            throw new IllegalArgumentException("a key name is non-empty, without spaces or '+'");
        }
    }

    /** The vkey string, as published in /.well-known/carapace. */
    public String encode() {
        byte[] material = new byte[33];
        material[0] = ED25519;
        System.arraycopy(key.bytes(), 0, material, 1, 32);
        return name + "+" + HexFormat.of().formatHex(keyId) + "+" + Bytes.b64(material);
    }
}
