package dev.carapace.hub.owners;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * AES-256-GCM sealing with a random 96-bit nonce; the output is nonce || ciphertext || tag. The associated data
 * binds each value to its owner and field, so ciphertexts cannot be moved between rows or columns.
 */
final class Sealing {
    private Sealing() {}

    static byte[] seal(byte[] key, byte[] plaintext, String aad) {
        byte[] nonce = Bytes.random(12);
        try {
            byte[] ct = Bytes.aesGcm(Cipher.ENCRYPT_MODE, key, nonce, aad.getBytes(StandardCharsets.UTF_8), plaintext);
            byte[] out = Arrays.copyOf(nonce, 12 + ct.length);
            System.arraycopy(ct, 0, out, 12, ct.length);
            return out;
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("AES-GCM encryption cannot fail authentication", e);
        }
    }

    static byte[] open(byte[] key, byte[] sealed, String aad) throws CryptoException {
        if (sealed.length < 12 + 16) {
            throw new CryptoException("sealed value too short");
        }
        try {
            return Bytes.aesGcm(Cipher.DECRYPT_MODE, key, Arrays.copyOf(sealed, 12),
                    aad.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(sealed, 12, sealed.length));
        } catch (AEADBadTagException e) {
            throw new CryptoException("sealed value does not authenticate (" + aad + ")");
        }
    }
}
