package dev.carapace.mls.message;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import java.util.List;

/**
 * LeafNode (RFC 9420 §7.2). {@code notBefore/notAfter} are set only for source key_package, {@code parentHash}
 * only for source commit.
 */
public record LeafNode(byte[] encryptionKey, byte[] signatureKey, Credential credential,
        Capabilities capabilities, int source, long notBefore, long notAfter, byte[] parentHash,
        List<Extension> extensions, byte[] signature) {

    public static final int SOURCE_KEY_PACKAGE = 1;
    public static final int SOURCE_UPDATE = 2;
    public static final int SOURCE_COMMIT = 3;

    public static LeafNode decode(TlsReader r) {
        byte[] enc = r.readVarBytes();
        byte[] sig = r.readVarBytes();
        Credential cred = Credential.decode(r);
        Capabilities caps = Capabilities.decode(r);
        int source = r.readUint8();
        long nb = 0;
        long na = 0;
        byte[] ph = null;
        switch (source) {
            case SOURCE_KEY_PACKAGE -> {
                nb = r.readUint64();
                na = r.readUint64();
            }
            case SOURCE_UPDATE -> {
            }
            case SOURCE_COMMIT -> ph = r.readVarBytes();
            default -> throw new DecodeException("invalid leaf node source " + source);
        }
        List<Extension> ext = Extension.decodeList(r);
        return new LeafNode(enc, sig, cred, caps, source, nb, na, ph, ext, r.readVarBytes());
    }

    public void encode(TlsWriter w) {
        writeContent(w);
        w.writeVarBytes(signature);
    }

    private void writeContent(TlsWriter w) {
        w.writeVarBytes(encryptionKey).writeVarBytes(signatureKey);
        credential.encode(w);
        capabilities.encode(w);
        w.writeUint8(source);
        if (source == SOURCE_KEY_PACKAGE) {
            w.writeUint64(notBefore).writeUint64(notAfter);
        } else if (source == SOURCE_COMMIT) {
            w.writeVarBytes(parentHash);
        }
        Extension.encodeList(w, extensions);
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }

    /** LeafNodeTBS: group id and leaf index are bound in for update and commit sources. */
    public byte[] tbs(byte[] groupId, int leafIndex) {
        TlsWriter w = new TlsWriter();
        writeContent(w);
        if (source != SOURCE_KEY_PACKAGE) {
            w.writeVarBytes(groupId).writeUint32(leafIndex);
        }
        return w.toByteArray();
    }

    public boolean verifySignature(CipherSuite suite, byte[] groupId, int leafIndex) {
        return suite.verifyWithLabel(signatureKey, "LeafNodeTBS", tbs(groupId, leafIndex), signature);
    }

    /** A copy with a fresh signature by {@code signaturePrivateKey}. */
    public LeafNode sign(CipherSuite suite, byte[] signaturePrivateKey, byte[] groupId, int leafIndex) {
        byte[] sig = suite.signWithLabel(signaturePrivateKey, "LeafNodeTBS", tbs(groupId, leafIndex));
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, notBefore, notAfter,
                parentHash, extensions, sig);
    }

    /** As {@link #sign(CipherSuite, byte[], byte[], int)} with a prepared key (no public-key re-derivation). */
    public LeafNode sign(CipherSuite suite, CipherSuite.SigningKey key, byte[] groupId, int leafIndex) {
        byte[] sig = suite.signWithLabel(key, "LeafNodeTBS", tbs(groupId, leafIndex));
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, notBefore, notAfter,
                parentHash, extensions, sig);
    }

    /** A copy carrying another credential for the same keys (signature must be recomputed by the caller). */
    public LeafNode withCredential(Credential newCredential) {
        return new LeafNode(encryptionKey, signatureKey, newCredential, capabilities, source, notBefore, notAfter,
                parentHash, extensions, new byte[0]);
    }

    /** A copy with the given source-specific fields (signature must be recomputed by the caller). */
    public LeafNode withSource(int newSource, byte[] newEncryptionKey, byte[] newParentHash) {
        return new LeafNode(newEncryptionKey, signatureKey, credential, capabilities, newSource, notBefore,
                notAfter, newParentHash, extensions, new byte[0]);
    }
}
