package dev.carapace.mls.framing;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.GroupContext;

/**
 * AuthenticatedContent (RFC 9420 §6.1): wire format, content and FramedContentAuthData (signature, plus the
 * confirmation tag for commits). This is what proposal references and transcript hashes are computed over.
 */
public record AuthenticatedContent(int wireFormat, FramedContent content, byte[] signature,
        byte[] confirmationTag) {

    static void encodeAuth(TlsWriter w, int contentType, byte[] signature, byte[] confirmationTag) {
        w.writeVarBytes(signature);
        if (contentType == FramedContent.COMMIT) {
            w.writeVarBytes(confirmationTag);
        }
    }

    void encodeAuth(TlsWriter w) {
        encodeAuth(w, content.contentType(), signature, confirmationTag);
    }

    static byte[][] decodeAuth(TlsReader r, int contentType) {
        byte[] sig = r.readVarBytes();
        byte[] tag = contentType == FramedContent.COMMIT ? r.readVarBytes() : null;
        return new byte[][] {sig, tag};
    }

    /** Decodes a TLS-serialised AuthenticatedContent (wire_format, FramedContent, FramedContentAuthData). */
    public static AuthenticatedContent decode(TlsReader r) {
        int wf = r.readUint16();
        if (wf != MlsMessage.PUBLIC_MESSAGE && wf != MlsMessage.PRIVATE_MESSAGE) {
            throw new dev.carapace.mls.codec.DecodeException("wire format " + wf + " carries no AuthenticatedContent");
        }
        FramedContent fc = FramedContent.decode(r);
        byte[][] auth = decodeAuth(r, fc.contentType());
        return new AuthenticatedContent(wf, fc, auth[0], auth[1]);
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter().writeUint16(wireFormat);
        content.encode(w);
        encodeAuth(w);
        return w.toByteArray();
    }

    /** FramedContentTBS; {@code ctx} is bound in for member and new_member_commit senders. */
    public static byte[] tbs(int wireFormat, FramedContent content, GroupContext ctx) {
        TlsWriter w = new TlsWriter().writeUint16(GroupContext.MLS10).writeUint16(wireFormat);
        content.encode(w);
        if (content.sender().bindsContext()) {
            w.writeBytes(ctx.encode());
        }
        return w.toByteArray();
    }

    public static byte[] sign(CipherSuite suite, byte[] signaturePrivateKey, int wireFormat, FramedContent content,
            GroupContext ctx) {
        return suite.signWithLabel(signaturePrivateKey, "FramedContentTBS", tbs(wireFormat, content, ctx));
    }

    public static byte[] sign(CipherSuite suite, CipherSuite.SigningKey key, int wireFormat, FramedContent content,
            GroupContext ctx) {
        return suite.signWithLabel(key, "FramedContentTBS", tbs(wireFormat, content, ctx));
    }

    public boolean verify(CipherSuite suite, byte[] signaturePublicKey, GroupContext ctx) {
        return suite.verifyWithLabel(signaturePublicKey, "FramedContentTBS", tbs(wireFormat, content, ctx),
                signature);
    }

    /** ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent). */
    public byte[] proposalRef(CipherSuite suite) {
        return suite.refHash("MLS 1.0 Proposal Reference", encode());
    }

    /** ConfirmedTranscriptHashInput: wire_format, content, signature. */
    public byte[] confirmedTranscriptHashInput() {
        TlsWriter w = new TlsWriter().writeUint16(wireFormat);
        content.encode(w);
        return w.writeVarBytes(signature).toByteArray();
    }
}
