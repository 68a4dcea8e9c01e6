package dev.carapace.client.chat;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.crypto.Cipher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Local chat state encrypted at rest with AES-256-GCM (JDK) under a 32-byte storage key. Each file is
 * {@code version(1) || nonce(12) || ciphertext}; the associated data names the file's purpose, so files cannot be
 * swapped for one another. Writes are atomic (0600 temporary file, fsync, rename).
 */
public final class StateVault {
    private static final byte VERSION = 1;
    private static final String WRAP_LABEL = "carapace.chat.storage-wrap.v1";
    private final byte[] key;

    public StateVault(byte[] storageKey) {
        if (storageKey.length != 32) {
            throw new IllegalArgumentException("the storage key is 32 bytes");
        }
        this.key = storageKey.clone();
    }

    public void write(Path file, String purpose, byte[] plaintext) throws IOException {
        byte[] nonce = Bytes.random(12);
        byte[] ct = crypt(Cipher.ENCRYPT_MODE, key, nonce, aad(purpose), plaintext);
        ByteBuffer out = ByteBuffer.allocate(1 + 12 + ct.length).put(VERSION).put(nonce).put(ct);
        SecureFiles.writeAtomic(file, out.array());
    }

    /** The decrypted file, or null if it does not exist; fails if it was altered or belongs elsewhere. */
    public byte[] read(Path file, String purpose) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < 1 + 12 + 16 || all[0] != VERSION) {
            throw new IOException(file + " is not a chat state file");
        }
        try {
            return crypt(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(all, 1, 13), aad(purpose),
                    Arrays.copyOfRange(all, 13, all.length));
        } catch (IllegalStateException e) {
            throw new IOException(file + " does not decrypt: altered, or sealed under another key");
        }
    }

    private static byte[] aad(String purpose) {
        return ("carapace.chat.state.v1|" + purpose).getBytes(StandardCharsets.UTF_8);
    }

    /** AES-GCM; a ciphertext that does not authenticate is an IllegalStateException, which callers report. */
    private static byte[] crypt(int mode, byte[] key, byte[] nonce, byte[] aad, byte[] in) {
        try {
            return Bytes.aesGcm(mode, key, nonce, aad, in);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    /**
     * The agent's storage key, kept in {@code file} wrapped under keys derived (HKDF-Expand, HMAC-SHA-256) from both
     * the current and the next identity seeds of the keystore. A key rotation makes the next key current, so the
     * storage key still unwraps after it, and is then re-wrapped for the new pair. Created on first use.
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
                            storage = crypt(Cipher.DECRYPT_MODE, wrapKey(k), Bytes.fromB64url(w.path("nonce")
                                    .asString("")), aad("storage-key"), Bytes.fromB64url(w.path("ct").asString("")));
                            currentWrapped |= k == current;
                            nextWrapped |= k == next;
                        } catch (CryptoException | IllegalStateException e) {
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
        doc.put("v", "carapace.chat.storage-key.v1");
        ArrayNode wraps = doc.putArray("wraps");
        for (Ed25519KeyPair k : new Ed25519KeyPair[] {current, next}) {
            byte[] nonce = Bytes.random(12);
            ObjectNode w = wraps.addObject();
            w.put("key", k.publicKey().b64url());
            w.put("nonce", Bytes.b64url(nonce));
            w.put("ct", Bytes.b64url(crypt(Cipher.ENCRYPT_MODE, wrapKey(k), nonce, aad("storage-key"), storage)));
        }
        SecureFiles.writeAtomic(file, (Json.pretty(doc) + "\n").getBytes(StandardCharsets.UTF_8));
        return storage;
    }

    /** HKDF-Expand(PRK = the 32-byte random seed, info = label, L = 32): a single HMAC-SHA-256 block. */
    private static byte[] wrapKey(Ed25519KeyPair k) {
        return Bytes.hmacSha256(k.seed(), WRAP_LABEL.getBytes(StandardCharsets.US_ASCII), new byte[] {1});
    }
}
