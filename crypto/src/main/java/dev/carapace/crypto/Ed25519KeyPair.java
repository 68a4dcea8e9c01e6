package dev.carapace.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 signing key (BouncyCastle's RFC 8032 implementation; the JDK's is an order of magnitude slower here).
 * The seed never leaves this object except through {@link #seed()}, which the keystore uses to encrypt it.
 */
public final class Ed25519KeyPair implements AutoCloseable {
    public static final int SEED_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] seed;
    private final Ed25519PublicKey publicKey;
    private final byte[] publicBytes;

    private Ed25519KeyPair(byte[] seed) {
        this.seed = seed;
        this.publicBytes = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, publicBytes, 0);
        try {
            this.publicKey = Ed25519PublicKey.fromBytes(publicBytes);
        } catch (CryptoException e) {
            throw new IllegalStateException("derived an invalid public key", e);
        }
    }

    public static Ed25519KeyPair generate() {
        byte[] seed = new byte[SEED_LENGTH];
        RANDOM.nextBytes(seed);
        return new Ed25519KeyPair(seed);
    }

    public static Ed25519KeyPair fromSeed(byte[] seed) throws CryptoException {
        if (seed == null || seed.length != SEED_LENGTH) {
            throw new CryptoException("an Ed25519 seed is 32 bytes");
        }
        return new Ed25519KeyPair(seed.clone());
    }

    public byte[] sign(byte[] message) {
        return sign(message, 0, message.length);
    }

    public byte[] sign(byte[] message, int offset, int length) {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, publicBytes, 0, message, offset, length, sig, 0);
        return sig;
    }

    public Ed25519PublicKey publicKey() {
        return publicKey;
    }

    /** The private seed. Callers must wipe the copy when done. */
    public byte[] seed() {
        return seed.clone();
    }

    @Override
    public void close() {
        Arrays.fill(seed, (byte) 0);
    }

    @Override
    public String toString() {
        return "Ed25519KeyPair(" + publicKey + ")";
    }
}
