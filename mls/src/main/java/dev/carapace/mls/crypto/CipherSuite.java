package dev.carapace.mls.crypto;

import dev.carapace.mls.codec.TlsWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An MLS cipher suite. Immutable: each call builds fresh BouncyCastle engines (JDK AES-GCM Ciphers are per thread,
 * decompressed Ed25519 points sit in a concurrent cache of public data), so a single instance may be used from
 * many threads at once (unlike bcmls 1.84's shared stateful engines).
 *
 * <p>Supported: all seven RFC 9420 suites, 0x0001 to 0x0007.
 */
public enum CipherSuite {
    MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519(0x0001, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256,
            HPKE.aead_AES_GCM128, 16, 256, Sig.ED25519),
    MLS_128_DHKEMP256_AES128GCM_SHA256_P256(0x0002, HPKE.kem_P256_SHA256, HPKE.kdf_HKDF_SHA256,
            HPKE.aead_AES_GCM128, 16, 256, Sig.P256),
    MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519(0x0003, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256,
            HPKE.aead_CHACHA20_POLY1305, 32, 256, Sig.ED25519),
    MLS_256_DHKEMX448_AES256GCM_SHA512_ED448(0x0004, HPKE.kem_X448_SHA512, HPKE.kdf_HKDF_SHA512,
            HPKE.aead_AES_GCM256, 32, 512, Sig.ED448),
    MLS_256_DHKEMP521_AES256GCM_SHA512_P521(0x0005, HPKE.kem_P521_SHA512, HPKE.kdf_HKDF_SHA512,
            HPKE.aead_AES_GCM256, 32, 512, Sig.P521),
    MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448(0x0006, HPKE.kem_X448_SHA512, HPKE.kdf_HKDF_SHA512,
            HPKE.aead_CHACHA20_POLY1305, 32, 512, Sig.ED448),
    MLS_256_DHKEMP384_AES256GCM_SHA384_P384(0x0007, HPKE.kem_P384_SHA384, HPKE.kdf_HKDF_SHA384,
            HPKE.aead_AES_GCM256, 32, 384, Sig.P384);

    /** Signature schemes: EdDSA keys are raw; ECDSA keys are big-endian scalars / uncompressed points, DER sigs. */
    private enum Sig {
        ED25519(null), ED448(null), P256("P-256"), P384("P-384"), P521("P-521");

        private final String curve;

        Sig(String curve) {
            this.curve = curve;
        }
    }

    private static final byte[] MLS_PREFIX = "MLS 1.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final int AEAD_NONCE_LENGTH = 12;
    private static final int AEAD_TAG_BITS = 128;

    private final int id;
    private final short kemId;
    private final short kdfId;
    private final short hpkeAeadId;
    private final int aeadKeyLength;
    private final int hashBits;
    private final Sig sig;

    CipherSuite(int id, short kemId, short kdfId, short hpkeAeadId, int aeadKeyLength, int hashBits, Sig sig) {
        this.id = id;
        this.kemId = kemId;
        this.kdfId = kdfId;
        this.hpkeAeadId = hpkeAeadId;
        this.aeadKeyLength = aeadKeyLength;
        this.hashBits = hashBits;
        this.sig = sig;
    }

    /** SHA-2 of this suite's size: the JDK's, which uses the CPU's SHA instructions (see JdkDigest). */
    private org.bouncycastle.crypto.Digest digest() {
        return JdkDigest.of(SHA2[hashBits == 256 ? 0 : hashBits == 384 ? 1 : 2], hashBits);
    }

    private static final java.security.MessageDigest[] SHA2 = {JdkDigest.prototype(256), JdkDigest.prototype(384),
        JdkDigest.prototype(512)};

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
        return hashBits / 8;
    }

    public int aeadKeyLength() {
        return aeadKeyLength;
    }

    public int aeadNonceLength() {
        return AEAD_NONCE_LENGTH;
    }

    // ---- hash and KDF ---------------------------------------------------------------------------

    public byte[] hash(byte[] data) {
        org.bouncycastle.crypto.Digest d = digest();
        d.update(data, 0, data.length);
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        return out;
    }

    public byte[] kdfExtract(byte[] salt, byte[] ikm) {
        return new HKDFBytesGenerator(digest()).extractPRK(salt, ikm);
    }

    public byte[] kdfExpand(byte[] prk, byte[] info, int length) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(digest());
        g.init(HKDFParameters.skipExtractParameters(prk, info));
        byte[] out = new byte[length];
        g.generateBytes(out, 0, length);
        return out;
    }

    /** MAC = HMAC with the suite's hash (RFC 9420 §5.1). */
    public byte[] mac(byte[] key, byte[] data) {
        org.bouncycastle.crypto.macs.HMac h = new org.bouncycastle.crypto.macs.HMac(digest());
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
        if (kemId == HPKE.kem_X25519_SHA256) {
            return new X25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded();
        }
        if (kemId == HPKE.kem_X448_SHA512) {
            return new org.bouncycastle.crypto.params.X448PrivateKeyParameters(privateKey, 0).generatePublicKey()
                    .getEncoded();
        }
        return ecPublicKey(curveOfKem(), privateKey);
    }

    /** ECDH scalars are fixed-width big-endian; some encoders drop leading zero bytes, so re-pad them. */
    private byte[] normalizedHpkePrivateKey(byte[] privateKey) {
        if (kemId == HPKE.kem_X25519_SHA256 || kemId == HPKE.kem_X448_SHA512) {
            return privateKey;
        }
        int len = (org.bouncycastle.asn1.x9.ECNamedCurveTable.getByName(curveOfKem()).getN().bitLength() + 7) / 8;
        return org.bouncycastle.util.BigIntegers.asUnsignedByteArray(len, new java.math.BigInteger(1, privateKey));
    }

    private String curveOfKem() {
        return kemId == HPKE.kem_P256_SHA256 ? "P-256" : kemId == HPKE.kem_P384_SHA384 ? "P-384" : "P-521";
    }

    private static byte[] ecPublicKey(String curve, byte[] privateKey) {
        org.bouncycastle.asn1.x9.X9ECParameters p = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByName(curve);
        return p.getG().multiply(new java.math.BigInteger(1, privateKey)).normalize().getEncoded(false);
    }

    /** A fresh random HPKE key pair: {private, public}. */
    public byte[][] generateHpkeKeyPair() {
        return deriveHpkeKeyPair(randomBytes(hashLength()));
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

    /**
     * A signature private key with its public key derived once, so signing need not re-derive it (for Ed25519 that
     * halves the cost of a signature). Only {@link #signingKey(byte[])} creates one, so the two always match:
     * an Ed25519 signature made with a mismatched public key would leak the private key.
     */
    public static final class SigningKey {
        private final CipherSuite suite;
        private final byte[] privateKey;
        private final byte[] publicKey;

        private SigningKey(CipherSuite suite, byte[] privateKey) {
            this.suite = suite;
            this.privateKey = privateKey.clone();
            this.publicKey = suite.signaturePublicKey(privateKey);
        }

        public byte[] publicKey() {
            return publicKey.clone();
        }
    }

    public SigningKey signingKey(byte[] privateKey) {
        return new SigningKey(this, privateKey);
    }

    /** SignWithLabel (RFC 9420 §5.1.2). ECDSA uses RFC 6979 nonces, so every scheme here is deterministic. */
    public byte[] signWithLabel(byte[] privateKey, String label, byte[] content) {
        return sign(privateKey, null, label, content);
    }

    /** SignWithLabel with a prepared key (see {@link SigningKey}). */
    public byte[] signWithLabel(SigningKey key, String label, byte[] content) {
        if (key.suite != this) {
            throw new IllegalArgumentException("signing key belongs to " + key.suite);
        }
        return sign(key.privateKey, key.publicKey, label, content);
    }

    private byte[] sign(byte[] privateKey, byte[] ed25519PublicKey, String label, byte[] content) {
        byte[] msg = signContent(label, content);
        switch (sig) {
            case ED25519 -> {
                if (privateKey.length != Ed25519.SECRET_KEY_SIZE) {
                    throw new IllegalArgumentException("Ed25519 private key must be 32 bytes");
                }
                byte[] out = new byte[Ed25519.SIGNATURE_SIZE];
                if (ed25519PublicKey != null) {
                    Ed25519.sign(privateKey, 0, ed25519PublicKey, 0, msg, 0, msg.length, out, 0);
                } else {
                    Ed25519.sign(privateKey, 0, msg, 0, msg.length, out, 0);
                }
                return out;
            }
            case ED448 -> {
                byte[] out = new byte[org.bouncycastle.math.ec.rfc8032.Ed448.SIGNATURE_SIZE];
                org.bouncycastle.math.ec.rfc8032.Ed448.sign(privateKey, 0, new byte[0], msg, 0, msg.length, out, 0);
                return out;
            }
            default -> {
                org.bouncycastle.crypto.signers.ECDSASigner signer = new org.bouncycastle.crypto.signers.ECDSASigner(
                        new org.bouncycastle.crypto.signers.HMacDSAKCalculator(digest()));
                signer.init(true, new org.bouncycastle.crypto.params.ECPrivateKeyParameters(
                        new java.math.BigInteger(1, privateKey), domain()));
                java.math.BigInteger[] rs = signer.generateSignature(hash(msg));
                try {
                    return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                        new org.bouncycastle.asn1.ASN1Integer(rs[0]), new org.bouncycastle.asn1.ASN1Integer(rs[1])})
                            .getEncoded();
                } catch (java.io.IOException e) {
                    throw new CryptoFailureException("DER encoding failed", e);
                }
            }
        }
    }

    /** VerifyWithLabel; returns false (never throws) for malformed keys or signatures. */
    public boolean verifyWithLabel(byte[] publicKey, String label, byte[] content, byte[] signature) {
        byte[] msg = signContent(label, content);
        try {
            switch (sig) {
                case ED25519 -> {
                    if (publicKey.length != Ed25519.PUBLIC_KEY_SIZE || signature.length != Ed25519.SIGNATURE_SIZE) {
                        return false;
                    }
                    Ed25519.PublicPoint point = ed25519Point(publicKey);
                    return point != null && Ed25519.verify(signature, 0, point, msg, 0, msg.length);
                }
                case ED448 -> {
                    return publicKey.length == org.bouncycastle.math.ec.rfc8032.Ed448.PUBLIC_KEY_SIZE
                            && signature.length == org.bouncycastle.math.ec.rfc8032.Ed448.SIGNATURE_SIZE
                            && org.bouncycastle.math.ec.rfc8032.Ed448.verify(signature, 0, publicKey, 0, new byte[0],
                                    msg, 0, msg.length);
                }
                default -> {
                    org.bouncycastle.asn1.ASN1Sequence seq = org.bouncycastle.asn1.ASN1Sequence.getInstance(signature);
                    if (seq.size() != 2) {
                        return false;
                    }
                    org.bouncycastle.crypto.signers.ECDSASigner v = new org.bouncycastle.crypto.signers.ECDSASigner();
                    org.bouncycastle.crypto.params.ECDomainParameters d = domain();
                    v.init(false, new org.bouncycastle.crypto.params.ECPublicKeyParameters(
                            d.getCurve().decodePoint(publicKey), d));
                    return v.verifySignature(hash(msg),
                            org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(0)).getValue(),
                            org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(1)).getValue());
                }
            }
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Decompressed Ed25519 public points by encoded key: members' keys are verified over and over, and
     * decompression (a square root) is a noticeable share of a verification. Public data only; bounded by
     * clearing when full. Null for keys that are not valid points (never cached).
     */
    private static final java.util.concurrent.ConcurrentHashMap<java.nio.ByteBuffer, Ed25519.PublicPoint> POINTS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_POINTS = 4096;

    private static Ed25519.PublicPoint ed25519Point(byte[] publicKey) {
        Ed25519.PublicPoint p = POINTS.get(java.nio.ByteBuffer.wrap(publicKey)); // looked up per message: no copy
        if (p == null) {
            p = Ed25519.validatePublicKeyPartialExport(publicKey, 0);
            if (p == null) {
                return null;
            }
            if (POINTS.size() >= MAX_POINTS) {
                POINTS.clear();
            }
            POINTS.put(java.nio.ByteBuffer.wrap(publicKey.clone()), p); // the key a caller may change is not kept
        }
        return p;
    }

    /** Signature public key for a private key in this suite's encoding. */
    public byte[] signaturePublicKey(byte[] privateKey) {
        switch (sig) {
            case ED25519 -> {
                byte[] pk = new byte[Ed25519.PUBLIC_KEY_SIZE];
                Ed25519.generatePublicKey(privateKey, 0, pk, 0);
                return pk;
            }
            case ED448 -> {
                byte[] pk = new byte[org.bouncycastle.math.ec.rfc8032.Ed448.PUBLIC_KEY_SIZE];
                org.bouncycastle.math.ec.rfc8032.Ed448.generatePublicKey(privateKey, 0, pk, 0);
                return pk;
            }
            default -> {
                return ecPublicKey(sig.curve, privateKey);
            }
        }
    }

    /** A fresh random signature private key for this suite. */
    public byte[] generateSignaturePrivateKey() {
        return switch (sig) {
            case ED25519 -> randomBytes(Ed25519.SECRET_KEY_SIZE);
            case ED448 -> randomBytes(org.bouncycastle.math.ec.rfc8032.Ed448.SECRET_KEY_SIZE);
            default -> {
                java.math.BigInteger n = domain().getN();
                java.math.BigInteger d;
                do {
                    d = new java.math.BigInteger(n.bitLength(), RANDOM);
                } while (d.signum() == 0 || d.compareTo(n) >= 0);
                yield org.bouncycastle.util.BigIntegers.asUnsignedByteArray((n.bitLength() + 7) / 8, d);
            }
        };
    }

    private org.bouncycastle.crypto.params.ECDomainParameters domain() {
        org.bouncycastle.asn1.x9.X9ECParameters p = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByName(sig.curve);
        return new org.bouncycastle.crypto.params.ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH());
    }

    private static byte[] signContent(String label, byte[] content) {
        return new TlsWriter().writeVarBytes(prefixed(label)).writeVarBytes(content).toByteArray();
    }

    // ---- HPKE -----------------------------------------------------------------------------------

    /** HPKE ciphertext: KEM output plus AEAD ciphertext (RFC 9420 HPKECiphertext). */
    public record HpkeCiphertext(byte[] kemOutput, byte[] ciphertext) {
    }

    private HPKE hpke() {
        return new HPKE(HPKE.mode_base, kemId, kdfId, hpkeAeadId);
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

    /**
     * EncryptWithLabel of one plaintext per recipient, all under the same label and context (a Welcome: context is
     * the encrypted GroupInfo, which carries the whole ratchet tree). RFC 9180's key schedule hashes the info once
     * per seal; here info_hash is computed once for all recipients, which turns adding N members from O(N²) into
     * O(N) hashing. Implemented directly for DHKEM(X25519, HKDF-SHA256) (suites 1 and 3); other suites seal one by
     * one. Output is identical in form to {@link #encryptWithLabel} (checked against BouncyCastle's HPKE open).
     */
    public List<HpkeCiphertext> encryptWithLabel(List<byte[]> publicKeys, String label, byte[] context,
            List<byte[]> plaintexts) {
        if (publicKeys.size() != plaintexts.size()) {
            throw new IllegalArgumentException("one plaintext per public key");
        }
        List<HpkeCiphertext> out = new java.util.ArrayList<>(publicKeys.size());
        if (kemId != HPKE.kem_X25519_SHA256) {
            for (int i = 0; i < publicKeys.size(); i++) {
                out.add(encryptWithLabel(publicKeys.get(i), label, context, plaintexts.get(i)));
            }
            return out;
        }
        byte[] hpkeSuite = new TlsWriter().writeBytes("HPKE".getBytes(StandardCharsets.US_ASCII)).writeUint16(kemId)
                .writeUint16(kdfId).writeUint16(hpkeAeadId).toByteArray();
        byte[] kemSuite = new TlsWriter().writeBytes("KEM".getBytes(StandardCharsets.US_ASCII)).writeUint16(kemId)
                .toByteArray();
        byte[] none = new byte[0];
        byte[] pskIdHash = labeledExtract(hpkeSuite, none, "psk_id_hash", none);
        byte[] infoHash = labeledExtract(hpkeSuite, none, "info_hash", encryptContext(label, context));
        byte[] ksContext = new TlsWriter().writeUint8(0).writeBytes(pskIdHash).writeBytes(infoHash).toByteArray();
        for (int i = 0; i < publicKeys.size(); i++) {
            byte[] pkR = publicKeys.get(i);
            if (pkR.length != org.bouncycastle.math.ec.rfc7748.X25519.POINT_SIZE) {
                throw new CryptoFailureException("HPKE seal failed: bad X25519 public key length", null);
            }
            byte[] skE = randomBytes(org.bouncycastle.math.ec.rfc7748.X25519.SCALAR_SIZE);
            byte[] pkE = new byte[org.bouncycastle.math.ec.rfc7748.X25519.POINT_SIZE];
            org.bouncycastle.math.ec.rfc7748.X25519.scalarMultBase(skE, 0, pkE, 0);
            byte[] dh = new byte[org.bouncycastle.math.ec.rfc7748.X25519.POINT_SIZE];
            if (!org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(skE, 0, pkR, 0, dh, 0)) {
                throw new CryptoFailureException("HPKE seal failed: X25519 agreement is zero", null);
            }
            java.util.Arrays.fill(skE, (byte) 0);
            byte[] kemContext = new TlsWriter().writeBytes(pkE).writeBytes(pkR).toByteArray();
            byte[] eaePrk = labeledExtract(kemSuite, none, "eae_prk", dh);
            byte[] shared = labeledExpand(kemSuite, eaePrk, "shared_secret", kemContext, 32);
            byte[] secret = labeledExtract(hpkeSuite, shared, "secret", none);
            byte[] key = labeledExpand(hpkeSuite, secret, "key", ksContext, aeadKeyLength);
            byte[] nonce = labeledExpand(hpkeSuite, secret, "base_nonce", ksContext, AEAD_NONCE_LENGTH);
            out.add(new HpkeCiphertext(pkE, aeadSeal(key, nonce, none, plaintexts.get(i))));
        }
        return out;
    }

    private static final byte[] HPKE_V1 = "HPKE-v1".getBytes(StandardCharsets.US_ASCII);

    /** RFC 9180 LabeledExtract: Extract(salt, "HPKE-v1" || suite_id || label || ikm); Extract is HMAC(salt, ·). */
    private byte[] labeledExtract(byte[] suiteId, byte[] salt, String label, byte[] ikm) {
        return mac(salt, new TlsWriter().writeBytes(HPKE_V1).writeBytes(suiteId)
                .writeBytes(label.getBytes(StandardCharsets.US_ASCII)).writeBytes(ikm).toByteArray());
    }

    /** RFC 9180 LabeledExpand: Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L). */
    private byte[] labeledExpand(byte[] suiteId, byte[] prk, String label, byte[] info, int length) {
        return kdfExpand(prk, new TlsWriter().writeUint16(length).writeBytes(HPKE_V1).writeBytes(suiteId)
                .writeBytes(label.getBytes(StandardCharsets.US_ASCII)).writeBytes(info).toByteArray(), length);
    }

    /** DecryptWithLabel; throws {@link CryptoFailureException} when authentication fails. */
    public byte[] decryptWithLabel(byte[] privateKey, String label, byte[] context, HpkeCiphertext ct) {
        HPKE h = hpke();
        try {
            byte[] sk = normalizedHpkePrivateKey(privateKey);
            AsymmetricCipherKeyPair kp = h.deserializePrivateKey(sk, hpkePublicKey(sk));
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
            byte[] sk = normalizedHpkePrivateKey(privateKey);
            AsymmetricCipherKeyPair kp = h.deserializePrivateKey(sk, hpkePublicKey(sk));
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

    /**
     * AES-GCM through the JDK provider: HotSpot compiles it to AES-NI and carry-less-multiply instructions, and a
     * fresh key per message (MLS's case) costs one key schedule instead of BouncyCastle's 4 KiB GHASH table.
     * One Cipher per thread; Cipher objects are not thread-safe.
     */
    private static final ThreadLocal<javax.crypto.Cipher> JCA_GCM = ThreadLocal.withInitial(() -> {
        try {
            return javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        } catch (java.security.GeneralSecurityException e) {
            return null; // no JCA AES-GCM: BouncyCastle below
        }
    });

    private byte[] aead(boolean encrypt, byte[] key, byte[] nonce, byte[] aad, byte[] input) {
        if (key.length != aeadKeyLength || nonce.length != AEAD_NONCE_LENGTH) {
            throw new IllegalArgumentException("bad AEAD key or nonce length");
        }
        if (hpkeAeadId != HPKE.aead_CHACHA20_POLY1305) {
            javax.crypto.Cipher c = JCA_GCM.get();
            if (c != null) {
                try {
                    c.init(encrypt ? javax.crypto.Cipher.ENCRYPT_MODE : javax.crypto.Cipher.DECRYPT_MODE,
                            new javax.crypto.spec.SecretKeySpec(key, "AES"),
                            new javax.crypto.spec.GCMParameterSpec(AEAD_TAG_BITS, nonce));
                    c.updateAAD(aad);
                    return c.doFinal(input);
                } catch (javax.crypto.AEADBadTagException e) {
                    throw new CryptoFailureException("AEAD authentication failed", e);
                } catch (java.security.GeneralSecurityException | IllegalStateException e) {
                    // E.g. the JDK refuses a key/nonce pair identical to this Cipher's previous encryption (a
                    // deterministic re-encryption of the same message): BouncyCastle below has no such check.
                    JCA_GCM.remove();
                }
            }
        }
        AEADCipher c = hpkeAeadId == HPKE.aead_CHACHA20_POLY1305 ? new ChaCha20Poly1305()
                : GCMBlockCipher.newInstance(AESEngine.newInstance());
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
