package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import java.util.List;

/** KeyPackage (RFC 9420 §10). */
public record KeyPackage(int version, int cipherSuite, byte[] initKey, LeafNode leafNode,
        List<Extension> extensions, byte[] signature) {

    public static KeyPackage decode(TlsReader r) {
        return new KeyPackage(r.readUint16(), r.readUint16(), r.readVarBytes(), LeafNode.decode(r),
                Extension.decodeList(r), r.readVarBytes());
    }

    public void encode(TlsWriter w) {
        w.writeBytes(tbs()).writeVarBytes(signature);
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }

    public byte[] tbs() {
        TlsWriter w = new TlsWriter().writeUint16(version).writeUint16(cipherSuite).writeVarBytes(initKey);
        leafNode.encode(w);
        Extension.encodeList(w, extensions);
        return w.toByteArray();
    }

    public boolean verifySignature(CipherSuite suite) {
        return suite.verifyWithLabel(leafNode.signatureKey(), "KeyPackageTBS", tbs(), signature);
    }

    /** KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage). */
    public byte[] ref(CipherSuite suite) {
        return suite.refHash("MLS 1.0 KeyPackage Reference", encode());
    }
}
