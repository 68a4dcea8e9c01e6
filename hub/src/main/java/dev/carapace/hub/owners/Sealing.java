package dev.carapace.hub.owners;

import dev.carapace.crypto.Aead;
import dev.carapace.crypto.CryptoException;
import java.nio.charset.StandardCharsets;

/**
 * Owner PII and data keys sealed with {@link Aead} (AES-256-GCM, random nonce, version byte). The associated data
 * binds each value to its owner and field, so ciphertexts cannot be moved between rows or columns. Values sealed
 * before the version byte existed ({@code nonce || ciphertext || tag}) still open.
 */
final class Sealing {
    private Sealing() {}

    static byte[] seal(byte[] key, byte[] plaintext, String aad) {
        return new Aead(key).seal(plaintext, aad.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] open(byte[] key, byte[] sealed, String aad) throws CryptoException {
        try {
            return new Aead(key).openAllowingUnversioned(sealed, aad.getBytes(StandardCharsets.UTF_8));
        } catch (CryptoException e) {
            throw new CryptoException(e.getMessage() + " (" + aad + ")");
        }
    }
}
