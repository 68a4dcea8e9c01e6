package dev.carapace.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Small byte helpers: encodings, digests, randomness and constant-time comparison. */
public final class Bytes {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DEC = Base64.getUrlDecoder();
    private static final HexFormat HEX = HexFormat.of();

    private Bytes() {}

    public static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    public static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    /**
     * AES-GCM with a 128-bit tag (the JDK's, which uses AES-NI): {@code mode} is {@code Cipher.ENCRYPT_MODE} or
     * {@code DECRYPT_MODE}; a ciphertext that does not authenticate raises {@link javax.crypto.AEADBadTagException}.
     */
    public static byte[] aesGcm(int mode, byte[] key, byte[] nonce, byte[] aad, byte[] input)
            throws javax.crypto.AEADBadTagException {
        try {
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                    new javax.crypto.spec.GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            return c.doFinal(input);
        } catch (javax.crypto.AEADBadTagException e) {
            throw e;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** HMAC-SHA-256 (the JDK's) of the concatenation of {@code parts} under {@code key}. */
    public static byte[] hmacSha256(byte[] key, byte[]... parts) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Constant-time equality: the time taken depends only on the lengths, never on where the inputs differ. */
    public static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    public static String b64url(byte[] b) {
        return B64URL.encodeToString(b);
    }

    /**
     * Strict unpadded base64url decoding: throws on any character outside the alphabet and on any spelling but the
     * canonical one (the unused low bits of the last character must be zero), so that one value has one spelling and
     * an id cannot be aliased by a second text that decodes to the same bytes.
     */
    public static byte[] fromB64url(String s) throws CryptoException {
        if (s == null || s.indexOf('=') >= 0) {
            throw new CryptoException("not unpadded base64url");
        }
        byte[] b;
        try {
            b = B64URL_DEC.decode(s);
        } catch (IllegalArgumentException e) {
            throw new CryptoException("not base64url: " + e.getMessage());
        }
        if (!B64URL.encodeToString(b).equals(s)) {
            throw new CryptoException("not canonical base64url (the unused bits of the last character must be zero)");
        }
        return b;
    }

    public static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    public static byte[] fromB64(String s) throws CryptoException {
        if (s == null) {
            throw new CryptoException("missing base64 value");
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new CryptoException("not base64: " + e.getMessage());
        }
    }

    public static String hex(byte[] b) {
        return HEX.formatHex(b);
    }

    public static byte[] fromHex(String s) throws CryptoException {
        try {
            return HEX.parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new CryptoException("not hex: " + e.getMessage());
        }
    }
}
