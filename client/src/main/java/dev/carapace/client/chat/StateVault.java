package dev.carapace.client.chat;

import dev.carapace.crypto.Aead;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Local chat state encrypted at rest with {@link Aead} (AES-256-GCM) under a 32-byte storage key. Each file is one
 * sealed value, {@code version(1) || nonce(12) || ciphertext}, the framing these files always had; the associated data
 * names the file's purpose, so files cannot be swapped for one another. Writes are atomic (0600 temporary file, fsync,
 * rename).
 */
public final class StateVault {
    private static final String WRAP_LABEL = "carapace.chat.storage-wrap.v1";
    private final Aead aead;

    public StateVault(byte[] storageKey) {
        if (storageKey.length != 32) {
            throw new IllegalArgumentException("the storage key is 32 bytes");
        }
        this.aead = new Aead(storageKey);
    }

    public void write(Path file, String purpose, byte[] plaintext) throws IOException {
        SecureFiles.writeAtomic(file, aead.seal(plaintext, aad(purpose)));
    }

    /** The decrypted file, or null if it does not exist; fails if it was altered or belongs elsewhere. */
    public byte[] read(Path file, String purpose) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return aead.open(Files.readAllBytes(file), aad(purpose));
        } catch (CryptoException e) {
            throw new IOException(file + " is not a chat state file that decrypts here: " + e.getMessage());
        }
    }

    private static byte[] aad(String purpose) {
        return ("carapace.chat.state.v1|" + purpose).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The agent's storage key, kept in {@code file} wrapped under keys derived (HKDF-Expand, HMAC-SHA-256) from both
     * the current and the next identity seeds of the keystore. A key rotation makes the next key current, so the
     * storage key still unwraps after it, and is then re-wrapped for the new pair. Created on first use. Each wrap is
     * one {@link Aead} value ({@code sealed}); wraps written before kept {@code nonce} and {@code ct} apart and still
     * unwrap.
     */
    public static byte[] storageKey(Path file, Ed25519KeyPair current, Ed25519KeyPair next) throws IOException {
        byte[] storage = null;
        if (Files.exists(file)) {
            JsonNode doc;
            try {
                doc = Json.parse(Files.readAllBytes(file));
            } catch (CryptoException e) {
                throw new IOException(file + " is damaged");
            }
            boolean currentWrapped = false;
            boolean nextWrapped = false;
            for (JsonNode w : doc.path("wraps")) {
                for (Ed25519KeyPair k : new Ed25519KeyPair[] {current, next}) {
                    if (k.publicKey().b64url().equals(w.path("key").asString(""))) {
                        try {
                            byte[] sealed = w.has("sealed") ? Bytes.fromB64url(w.path("sealed").asString(""))
                                    : Aead.framed(Bytes.fromB64url(w.path("nonce").asString("")),
                                            Bytes.fromB64url(w.path("ct").asString("")));
                            storage = new Aead(wrapKey(k)).open(sealed, aad("storage-key"));
                            currentWrapped |= k == current;
                            nextWrapped |= k == next;
                        } catch (CryptoException | IllegalArgumentException e) {
                            throw new IOException(file + " does not unwrap with this identity's keys");
                        }
                    }
                }
            }
            if (storage == null) {
                throw new IOException(file + " is not wrapped for this identity's current or next key");
            }
            if (currentWrapped && nextWrapped) {
                return storage;
            }
        }
        if (storage == null) {
            storage = Bytes.random(32);
        }
        ObjectNode doc = Json.object();
        doc.put("v", "carapace.chat.storage-key.v2");
        ArrayNode wraps = doc.putArray("wraps");
        for (Ed25519KeyPair k : new Ed25519KeyPair[] {current, next}) {
            ObjectNode w = wraps.addObject();
            w.put("key", k.publicKey().b64url());
            w.put("sealed", Bytes.b64url(new Aead(wrapKey(k)).seal(storage, aad("storage-key"))));
        }
        SecureFiles.writeAtomic(file, (Json.pretty(doc) + "\n").getBytes(StandardCharsets.UTF_8));
        return storage;
    }

    /** HKDF-Expand(PRK = the 32-byte random seed, info = label, L = 32): a single HMAC-SHA-256 block. */
    private static byte[] wrapKey(Ed25519KeyPair k) {
        return Bytes.hmacSha256(k.seed(), WRAP_LABEL.getBytes(StandardCharsets.US_ASCII), new byte[] {1});
    }
}
