package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.GroupContext;
import java.util.List;

/** GroupInfo (RFC 9420 §12.4.3), signed by the committer. */
public record GroupInfo(GroupContext groupContext, List<Extension> extensions, byte[] confirmationTag,
        long signer, byte[] signature) {

    public static GroupInfo decode(TlsReader r) {
        return new GroupInfo(GroupContext.decode(r), Extension.decodeList(r), r.readVarBytes(), r.readUint32(),
                r.readVarBytes());
    }

    public byte[] tbs() {
        TlsWriter w = new TlsWriter().writeBytes(groupContext.encode());
        Extension.encodeList(w, extensions);
        return w.writeVarBytes(confirmationTag).writeUint32(signer).toByteArray();
    }

    public void encode(TlsWriter w) {
        w.writeBytes(tbs()).writeVarBytes(signature);
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }

    public boolean verify(CipherSuite suite, byte[] signerPublicKey) {
        return suite.verifyWithLabel(signerPublicKey, "GroupInfoTBS", tbs(), signature);
    }

    public GroupInfo sign(CipherSuite suite, byte[] signaturePrivateKey) {
        return new GroupInfo(groupContext, extensions, confirmationTag, signer,
                suite.signWithLabel(signaturePrivateKey, "GroupInfoTBS", tbs()));
    }
}
