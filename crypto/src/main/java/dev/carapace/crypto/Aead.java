package dev.carapace.crypto;

import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * Authenticated encryption with the framing handled inside, in the manner of Tink's {@code Aead}: {@link #seal}
 * draws a fresh random nonce and returns {@code version(1) || nonce(12) || ciphertext || tag(16)}; {@link #open}
 * reads the version and refuses any it does not know. Version {@value #AES_256_GCM} is AES-256-GCM (the JDK's, with
 * AES-NI) with a random 96-bit nonce and a 128-bit tag; the associated data binds a value to where it belongs. Random
 * 96-bit nonces stay safe for far more than 2^32 seals under one key only if keys are not shared that widely, which
 * every Carapace key (one per keystore file, owner or chat home) is not.
 *
 * <p>Formats written before this class existed stay readable: {@link #framed} turns a nonce and ciphertext kept apart
 * (keystore v1 files, chat storage-key wraps) into the very bytes {@link #seal} would have produced, and
 * {@link #openAllowingUnversioned} also opens {@code nonce || ciphertext || tag} without a version byte (owner PII
 * sealed by hubs before issue 18: "version 0").
 */
public final class Aead {
    /** The framing's version byte for AES-256-GCM with a 96-bit random nonce. */
    public static final byte AES_256_GCM = 1;
    public static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;

    private final byte[] key;

    /** @param key 32 bytes, copied */
    public Aead(byte[] key) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an AES-256-GCM key is 32 bytes");
        }
        this.key = key.clone();
    }

    /** Encrypts {@code plaintext} bound to {@code aad} under a fresh nonce. */
    public byte[] seal(byte[] plaintext, byte[] aad) {
        byte[] nonce = Bytes.random(NONCE_BYTES);
        byte[] ct;
        try {
            ct = Bytes.aesGcm(Cipher.ENCRYPT_MODE, key, nonce, aad, plaintext);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("AES-GCM encryption cannot fail authentication", e);
        }
        return framed(nonce, ct);
    }

    /**
     * Decrypts what {@link #seal} produced with the same key and associated data.
     *
     * @throws CryptoException if the version is unknown, the value is truncated, or it does not authenticate
     *         (altered, sealed under another key, or for another place)
     */
    public byte[] open(byte[] sealed, byte[] aad) throws CryptoException {
        if (sealed == null || sealed.length < 1 + NONCE_BYTES + TAG_BYTES) {
            throw new CryptoException("sealed value too short");
        }
        if (sealed[0] != AES_256_GCM) {
            throw new CryptoException("sealed value has unknown version " + (sealed[0] & 0xff));
        }
        return decrypt(sealed, 1, aad);
    }

    /**
     * {@link #open}, or else the framing without a version byte ({@code nonce || ciphertext || tag}) for values
     * written before versions existed. The first byte of such a value is random, so one in 256 starts like version
     * 1 and is tried both ways; authentication decides, so neither reading can be mistaken for the other.
     */
    public byte[] openAllowingUnversioned(byte[] sealed, byte[] aad) throws CryptoException {
        if (sealed != null && sealed.length >= 1 + NONCE_BYTES + TAG_BYTES && sealed[0] == AES_256_GCM) {
            try {
                return decrypt(sealed, 1, aad);
            } catch (CryptoException e) {
                // not a versioned value (or not authentic): try the old framing below
            }
        }
        if (sealed == null || sealed.length < NONCE_BYTES + TAG_BYTES) {
            throw new CryptoException("sealed value too short");
        }
        return decrypt(sealed, 0, aad);
    }

    /**
     * The bytes {@link #seal} produces for this nonce and ciphertext (tag included): to read formats that kept them
     * apart.
     */
    public static byte[] framed(byte[] nonce, byte[] ciphertext) {
        if (nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("an AES-GCM nonce here is 12 bytes");
        }
        byte[] out = new byte[1 + NONCE_BYTES + ciphertext.length];
        out[0] = AES_256_GCM;
        System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
        System.arraycopy(ciphertext, 0, out, 1 + NONCE_BYTES, ciphertext.length);
        return out;
    }

    private byte[] decrypt(byte[] sealed, int nonceAt, byte[] aad) throws CryptoException {
        try {
            return Bytes.aesGcm(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(sealed, nonceAt, nonceAt + NONCE_BYTES),
                    aad, Arrays.copyOfRange(sealed, nonceAt + NONCE_BYTES, sealed.length));
        } catch (AEADBadTagException e) {
            throw new CryptoException("sealed value does not authenticate: altered, under another key, or misplaced");
        }
    }
}
