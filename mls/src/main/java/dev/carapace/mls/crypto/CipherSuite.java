package dev.carapace.mls.crypto;

import dev.carapace.mls.codec.TlsWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An MLS cipher suite. Immutable and stateless: each call builds fresh BouncyCastle engines, so a single
 * instance may be used from many threads at once (unlike bcmls 1.84's shared stateful engines).
 *
 * <p>Supported: 0x0001 MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 and
 * 0x0003 MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519.
 */
public enum CipherSuite {
    MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519(0x0001, HPKE.aead_AES_GCM128, 16),
    MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519(0x0003, HPKE.aead_CHACHA20_POLY1305, 32);

    private static final byte[] MLS_PREFIX = "MLS 1.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final int HASH_LENGTH = 32;
    private static final int AEAD_NONCE_LENGTH = 12;
    private static final int AEAD_TAG_BITS = 128;

    private final int id;
    private final short hpkeAeadId;
    private final int aeadKeyLength;

    CipherSuite(int id, short hpkeAeadId, int aeadKeyLength) {
        this.id = id;
        this.hpkeAeadId = hpkeAeadId;
        this.aeadKeyLength = aeadKeyLength;
    }

    /** Registry value of this suite (RFC 9420 §17.1). */
    public int id() {
        return id;
    }

    /** The suite with registry value {@code id}, or empty if unsupported. */
    public static Optional<CipherSuite> byId(int id) {
        for (CipherSuite s : values()) {
            if (s.id == id) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** KDF.Nh: output length of the hash / KDF. */
    public int hashLength() {
        return HASH_LENGTH;
    }

    public int aeadKeyLength() {
        return aeadKeyLength;
    }

    public int aeadNonceLength() {
        return AEAD_NONCE_LENGTH;
    }

    // ---- hash and KDF ---------------------------------------------------------------------------

    public byte[] hash(byte[] data) {
        SHA256Digest d = new SHA256Digest();
        d.update(data, 0, data.length);
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        return out;
    }

    public byte[] kdfExtract(byte[] salt, byte[] ikm) {
        return new HKDFBytesGenerator(new SHA256Digest()).extractPRK(salt, ikm);
    }

    public byte[] kdfExpand(byte[] prk, byte[] info, int length) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(HKDFParameters.skipExtractParameters(prk, info));
        byte[] out = new byte[length];
        g.generateBytes(out, 0, length);
        return out;
    }

    /** MAC = HMAC with the suite's hash (RFC 9420 §5.1). */
    public byte[] mac(byte[] key, byte[] data) {
        org.bouncycastle.crypto.macs.HMac h = new org.bouncycastle.crypto.macs.HMac(new SHA256Digest());
        h.init(new KeyParameter(key));
        h.update(data, 0, data.length);
        byte[] out = new byte[h.getMacSize()];
        h.doFinal(out, 0);
        return out;
    }

    /** Constant-time check of a MAC or tag; never short-circuits on the first differing byte. */
    public boolean verifyMac(byte[] key, byte[] data, byte[] tag) {
        return tag != null && java.security.MessageDigest.isEqual(mac(key, data), tag);
    }

    /** HPKE public key for an X25519 private key. */
    public byte[] hpkePublicKey(byte[] privateKey) {
        return new X25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded();
    }

    /** A fresh random HPKE key pair: {private, public}. */
    public byte[][] generateHpkeKeyPair() {
        return deriveHpkeKeyPair(randomBytes(HASH_LENGTH));
    }

    /** ExpandWithLabel (RFC 9420 §8): KDF.Expand with KDFLabel{length, "MLS 1.0 " + label, context}. */
    public byte[] expandWithLabel(byte[] secret, String label, byte[] context, int length) {
        byte[] kdfLabel = new TlsWriter()
                .writeUint16(length)
                .writeVarBytes(prefixed(label))
                .writeVarBytes(context)
                .toByteArray();
        return kdfExpand(secret, kdfLabel, length);
    }

    /** DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh). */
    public byte[] deriveSecret(byte[] secret, String label) {
        return expandWithLabel(secret, label, new byte[0], hashLength());
    }

    /** DeriveTreeSecret (RFC 9420 §9): context is the uint32 generation. */
    public byte[] deriveTreeSecret(byte[] secret, String label, long generation, int length) {
        return expandWithLabel(secret, label, new TlsWriter().writeUint32(generation).toByteArray(), length);
    }

    /** RefHash (RFC 9420 §5.2): Hash(RefHashInput{label, value}); the label is used verbatim. */
    public byte[] refHash(String label, byte[] value) {
        return hash(new TlsWriter()
                .writeVarBytes(label.getBytes(StandardCharsets.US_ASCII))
                .writeVarBytes(value)
                .toByteArray());
    }

    // ---- signatures -----------------------------------------------------------------------------

    /** SignWithLabel (RFC 9420 §5.1.2) with Ed25519; {@code privateKey} is the 32-byte seed. */
    public byte[] signWithLabel(byte[] privateKey, String label, byte[] content) {
        if (privateKey.length != Ed25519.SECRET_KEY_SIZE) {
            throw new IllegalArgumentException("Ed25519 private key must be 32 bytes");
        }
        byte[] msg = signContent(label, content);
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(privateKey, 0, msg, 0, msg.length, sig, 0);
        return sig;
    }

    /** VerifyWithLabel; returns false (never throws) for malformed keys or signatures. */
    public boolean verifyWithLabel(byte[] publicKey, String label, byte[] content, byte[] signature) {
        if (publicKey.length != Ed25519.PUBLIC_KEY_SIZE || signature.length != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        byte[] msg = signContent(label, content);
        return Ed25519.verify(signature, 0, publicKey, 0, msg, 0, msg.length);
    }

    /** Ed25519 public key for a 32-byte private seed. */
    public byte[] signaturePublicKey(byte[] privateKey) {
        byte[] pk = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(privateKey, 0, pk, 0);
        return pk;
    }

    private static byte[] signContent(String label, byte[] content) {
        return new TlsWriter().writeVarBytes(prefixed(label)).writeVarBytes(content).toByteArray();
    }

    // ---- HPKE -----------------------------------------------------------------------------------

    /** HPKE ciphertext: KEM output plus AEAD ciphertext (RFC 9420 HPKECiphertext). */
    public record HpkeCiphertext(byte[] kemOutput, byte[] ciphertext) {
    }

    private HPKE hpke() {
        return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, hpkeAeadId);
    }

    /** EncryptWithLabel (RFC 9420 §5.1.3): SealBase(pk, EncryptContext{"MLS 1.0 " + label, context}, "", pt). */
    public HpkeCiphertext encryptWithLabel(byte[] publicKey, String label, byte[] context, byte[] plaintext) {
        HPKE h = hpke();
        try {
            byte[][] r = h.seal(h.deserializePublicKey(publicKey), encryptContext(label, context), new byte[0],
                    plaintext, null, null, null);
            return new HpkeCiphertext(r[1], r[0]);
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new CryptoFailureException("HPKE seal failed", e);
        }
    }

    /** DecryptWithLabel; throws {@link CryptoFailureException} when authentication fails. */
    public byte[] decryptWithLabel(byte[] privateKey, String label, byte[] context, HpkeCiphertext ct) {
        HPKE h = hpke();
        try {
            byte[] pub = new X25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded();
            AsymmetricCipherKeyPair kp = h.deserializePrivateKey(privateKey, pub);
            return h.open(ct.kemOutput(), kp, encryptContext(label, context), new byte[0], ct.ciphertext(),
                    null, null, null);
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new CryptoFailureException("HPKE open failed", e);
        }
    }

    /** External-init sender side: SetupBaseS to {@code publicKey} and export; returns {kem_output, secret}. */
    public byte[][] hpkeExportSend(byte[] publicKey, byte[] exporterContext, int length) {
        HPKE h = hpke();
        try {
            org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation ctx =
                    h.setupBaseS(h.deserializePublicKey(publicKey), new byte[0]);
            return new byte[][] {ctx.getEncapsulation(), ctx.export(exporterContext, length)};
        } catch (RuntimeException e) {
            throw new CryptoFailureException("HPKE setup failed", e);
        }
    }

    /** External-init receiver side: SetupBaseR with {@code privateKey} and export. */
    public byte[] hpkeExportReceive(byte[] privateKey, byte[] kemOutput, byte[] exporterContext, int length) {
        HPKE h = hpke();
        try {
            AsymmetricCipherKeyPair kp = h.deserializePrivateKey(privateKey, hpkePublicKey(privateKey));
            return h.setupBaseR(kemOutput, kp, new byte[0]).export(exporterContext, length);
        } catch (RuntimeException e) {
            throw new CryptoFailureException("HPKE setup failed", e);
        }
    }

    /** Derives an HPKE key pair from a secret (RFC 9180 DeriveKeyPair); returns {private, public}. */
    public byte[][] deriveHpkeKeyPair(byte[] ikm) {
        HPKE h = hpke();
        AsymmetricCipherKeyPair kp = h.deriveKeyPair(ikm);
        return new byte[][] {h.serializePrivateKey(kp.getPrivate()), h.serializePublicKey(kp.getPublic())};
    }

    private static byte[] encryptContext(String label, byte[] context) {
        return new TlsWriter().writeVarBytes(prefixed(label)).writeVarBytes(context).toByteArray();
    }

    // ---- AEAD -----------------------------------------------------------------------------------

    public byte[] aeadSeal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        return aead(true, key, nonce, aad, plaintext);
    }

    /** AEAD open; throws {@link CryptoFailureException} when the tag does not verify. */
    public byte[] aeadOpen(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) {
        return aead(false, key, nonce, aad, ciphertext);
    }

    private byte[] aead(boolean encrypt, byte[] key, byte[] nonce, byte[] aad, byte[] input) {
        if (key.length != aeadKeyLength || nonce.length != AEAD_NONCE_LENGTH) {
            throw new IllegalArgumentException("bad AEAD key or nonce length");
        }
        AEADCipher c = this == MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519
                ? GCMBlockCipher.newInstance(AESEngine.newInstance())
                : new ChaCha20Poly1305();
        c.init(encrypt, new AEADParameters(new KeyParameter(key), AEAD_TAG_BITS, nonce, aad));
        byte[] out = new byte[c.getOutputSize(input.length)];
        int n = c.processBytes(input, 0, input.length, out, 0);
        try {
            n += c.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new CryptoFailureException("AEAD authentication failed", e);
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    // ---- misc -----------------------------------------------------------------------------------

    /** Fresh random bytes from a shared SecureRandom (SecureRandom is thread-safe). */
    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private static byte[] prefixed(String label) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[MLS_PREFIX.length + l.length];
        System.arraycopy(MLS_PREFIX, 0, out, 0, MLS_PREFIX.length);
        System.arraycopy(l, 0, out, MLS_PREFIX.length, l.length);
        return out;
    }
}
