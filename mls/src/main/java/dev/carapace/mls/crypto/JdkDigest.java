package dev.carapace.mls.crypto;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import org.bouncycastle.crypto.ExtendedDigest;
import org.bouncycastle.util.Memoable;

/**
 * BouncyCastle's {@code Digest} interface over the JDK's SHA-2. HotSpot compiles the JDK's SHA-256 to the CPU's SHA
 * extensions (and SHA-512 to AVX2), several times faster than BouncyCastle's pure-Java digests; hashing the ratchet
 * tree on a join or commit is mostly SHA-256. BouncyCastle keeps the constructions (HMAC, HKDF, HPKE's labelled
 * KDF): this class only computes the hash, and the mlswg vectors of every suite check the result.
 *
 * <p>The JDK's own provider is asked for by name, so a BouncyCastle provider registered first is not picked up.
 * Implements {@link Memoable} so that BouncyCastle's HMAC caches its padded-key states as it does for its own
 * digests.
 */
final class JdkDigest implements ExtendedDigest, Memoable {
    private final int blockLength;
    private MessageDigest md;

    private JdkDigest(MessageDigest md, int blockLength) {
        this.md = md;
        this.blockLength = blockLength;
    }

    /**
     * A fresh prototype for {@code SHA-256}, {@code SHA-384} or {@code SHA-512}: the JDK's SUN provider's, or where
     * a JDK is configured without it (some FIPS setups), whichever provider the JDK offers first.
     */
    static MessageDigest prototype(int bits) {
        try {
            return MessageDigest.getInstance("SHA-" + bits, "SUN");
        } catch (NoSuchAlgorithmException | NoSuchProviderException e) {
            try {
                return MessageDigest.getInstance("SHA-" + bits);
            } catch (NoSuchAlgorithmException none) {
                throw new IllegalStateException("this JDK has no SHA-" + bits, none);
            }
        }
    }

    /** A new digest cloned from {@code prototype} (cloning skips the provider lookup). */
    static JdkDigest of(MessageDigest prototype, int bits) {
        return new JdkDigest(cloneOf(prototype), bits == 256 ? 64 : 128);
    }

    private static MessageDigest cloneOf(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            // SUN's digests clone; another provider's may not, then only a fresh (unstarted) instance is possible.
            throw new IllegalStateException(md.getProvider().getName() + "'s " + md.getAlgorithm()
                    + " cannot be cloned", e);
        }
    }

    @Override
    public String getAlgorithmName() {
        return md.getAlgorithm();
    }

    @Override
    public int getDigestSize() {
        return md.getDigestLength();
    }

    @Override
    public int getByteLength() {
        return blockLength;
    }

    @Override
    public void update(byte in) {
        md.update(in);
    }

    @Override
    public void update(byte[] in, int inOff, int len) {
        md.update(in, inOff, len);
    }

    @Override
    public int doFinal(byte[] out, int outOff) {
        try {
            return md.digest(out, outOff, md.getDigestLength());
        } catch (DigestException e) {
            throw new IllegalArgumentException("output buffer too short", e);
        }
    }

    @Override
    public void reset() {
        md.reset();
    }

    @Override
    public Memoable copy() {
        return new JdkDigest(cloneOf(md), blockLength);
    }

    @Override
    public void reset(Memoable other) {
        md = cloneOf(((JdkDigest) other).md);
    }
}
