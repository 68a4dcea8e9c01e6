package dev.carapace.crypto;

import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key. Construction validates the encoding (a canonical point of the curve that is not of small
 * order), and the decoded point is kept so that repeated verifications skip point decompression.
 */
public final class Ed25519PublicKey {
    public static final int LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;

    private final byte[] encoded;
    private final Ed25519.PublicPoint point;

    private Ed25519PublicKey(byte[] encoded, Ed25519.PublicPoint point) {
        this.encoded = encoded;
        this.point = point;
    }

    public static Ed25519PublicKey fromBytes(byte[] encoded) throws CryptoException {
        if (encoded == null || encoded.length != LENGTH) {
            throw new CryptoException("an Ed25519 public key is 32 bytes");
        }
        byte[] copy = encoded.clone();
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(copy, 0);
        if (point == null) {
            throw new CryptoException("not a valid Ed25519 public key");
        }
        return new Ed25519PublicKey(copy, point);
    }

    public static Ed25519PublicKey fromB64url(String s) throws CryptoException {
        return fromBytes(Bytes.fromB64url(s));
    }

    /**
     * Strict verification: the signature must be 64 bytes and its scalar S canonical (S &lt; L); BouncyCastle rejects
     * non-canonical S and small-order or non-canonical R encodings.
     */
    public boolean verify(byte[] message, byte[] signature) {
        return verify(message, 0, message.length, signature);
    }

    public boolean verify(byte[] message, int offset, int length, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        return Ed25519.verify(signature, 0, point, message, offset, length);
    }

    public byte[] bytes() {
        return encoded.clone();
    }

    public String b64url() {
        return Bytes.b64url(encoded);
    }

    /** SHA-256 of the encoded key: the pre-rotation commitment to this key. */
    public byte[] digest() {
        return Bytes.sha256(encoded);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ed25519PublicKey other && Bytes.constantTimeEquals(encoded, other.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "ed25519:" + b64url();
    }
}
