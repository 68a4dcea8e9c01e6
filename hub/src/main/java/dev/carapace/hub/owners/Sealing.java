package dev.carapace.hub.owners;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM sealing with a random 96-bit nonce; the output is nonce || ciphertext || tag. The associated data
 * binds each value to its owner and field, so ciphertexts cannot be moved between rows or columns.
 */
final class Sealing {
    private Sealing() {}

    static byte[] seal(byte[] key, byte[] plaintext, String aad) {
        byte[] nonce = Bytes.random(12);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext);
            byte[] out = Arrays.copyOf(nonce, 12 + ct.length);
            System.arraycopy(ct, 0, out, 12, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    static byte[] open(byte[] key, byte[] sealed, String aad) throws CryptoException {
        if (sealed.length < 12 + 16) {
            throw new CryptoException("sealed value too short");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, sealed, 0, 12));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(sealed, 12, sealed.length - 12);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new CryptoException("sealed value does not authenticate (" + aad + ")");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }
}
