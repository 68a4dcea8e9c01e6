package dev.carapace.mls.framing;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.schedule.GroupContext;

/** PublicMessage (RFC 9420 §6.2). membershipTag is present only for member senders. */
public record PublicMessage(FramedContent content, byte[] signature, byte[] confirmationTag,
        byte[] membershipTag) {

    public static PublicMessage decode(TlsReader r) {
        FramedContent c = FramedContent.decode(r);
        byte[][] auth = AuthenticatedContent.decodeAuth(r, c.contentType());
        byte[] tag = c.sender().type() == Sender.MEMBER ? r.readVarBytes() : null;
        return new PublicMessage(c, auth[0], auth[1], tag);
    }

    public void encode(TlsWriter w) {
        content.encode(w);
        AuthenticatedContent.encodeAuth(w, content.contentType(), signature, confirmationTag);
        if (content.sender().type() == Sender.MEMBER) {
            w.writeVarBytes(membershipTag);
        }
    }

    public AuthenticatedContent authenticatedContent() {
        return new AuthenticatedContent(MlsMessage.PUBLIC_MESSAGE, content, signature, confirmationTag);
    }

    /** AuthenticatedContentTBM: FramedContentTBS followed by the auth data. */
    static byte[] tbm(FramedContent content, byte[] signature, byte[] confirmationTag, GroupContext ctx) {
        TlsWriter w = new TlsWriter().writeBytes(AuthenticatedContent.tbs(MlsMessage.PUBLIC_MESSAGE, content, ctx));
        AuthenticatedContent.encodeAuth(w, content.contentType(), signature, confirmationTag);
        return w.toByteArray();
    }
}
