package dev.carapace.client;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;

/** Who signs requests: a key id ({@code <agent id>#<seq>}) and its key pair. */
public record Signer(String keyId, Ed25519KeyPair key) {
    public static Signer current(KeyEventLog log, Ed25519KeyPair key) {
        if (!key.publicKey().equals(log.currentKey())) {
            throw new IllegalArgumentException("the key is not the identity's current key");
        }
        return new Signer(log.currentKeyId(), key);
    }
}
