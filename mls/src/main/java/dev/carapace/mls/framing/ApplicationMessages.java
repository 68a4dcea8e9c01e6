package dev.carapace.mls.framing;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;

/**
 * Application data as an {@code MLSMessage(PrivateMessage)} (RFC 9420 §6.3) for a member sender, without a
 * {@code Group}: a thin convenience over {@link MessageProtection} for callers that manage epoch state themselves.
 */
public final class ApplicationMessages {
    /** Decrypted application data plus who sent it. */
    public record Received(int senderLeaf, long generation, byte[] authenticatedData, byte[] applicationData) {
    }

    private ApplicationMessages() {
    }

    /** Encrypts and signs {@code data} from {@code senderLeaf}; reuse_guard is fresh random per message. */
    public static byte[] protect(GroupContext ctx, SecretTree tree, byte[] senderDataSecret, int senderLeaf,
            byte[] signaturePrivateKey, byte[] authenticatedData, byte[] data) {
        FramedContent fc = FramedContent.application(ctx.groupId(), ctx.epoch(), Sender.member(senderLeaf),
                authenticatedData, data);
        return MlsMessage.of(MessageProtection.protectPrivate(ctx, tree, senderDataSecret, signaturePrivateKey, fc,
                null, 0)).encode();
    }

    /**
     * Decrypts an application PrivateMessage and verifies the sender's signature.
     *
     * @param senderSignatureKeys signature public key of each leaf (null for blank leaves)
     */
    public static Received unprotect(GroupContext ctx, SecretTree tree, byte[] senderDataSecret,
            byte[][] senderSignatureKeys, byte[] message) {
        MlsMessage m = MlsMessage.decode(message);
        if (m.wireFormat() != MlsMessage.PRIVATE_MESSAGE) {
            throw new DecodeException("not a PrivateMessage");
        }
        if (m.privateMessage().contentType() != FramedContent.APPLICATION
                && m.privateMessage().epoch() == ctx.epoch()) {
            throw new DecodeException("content type is not application");
        }
        AuthenticatedContent ac = MessageProtection.unprotectPrivate(ctx, tree, senderDataSecret,
                fc -> fc.sender().index() < senderSignatureKeys.length
                        ? senderSignatureKeys[(int) fc.sender().index()] : null, m.privateMessage());
        FramedContent c = ac.content();
        return new Received((int) c.sender().index(), -1, c.authenticatedData(), c.applicationData());
    }
}
