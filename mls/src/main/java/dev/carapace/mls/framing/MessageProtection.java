package dev.carapace.mls.framing;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Signing, MACing and encrypting FramedContent into PublicMessage / PrivateMessage and back (RFC 9420 §6).
 * Stateless: secret-tree keys are consumed from the caller's tree. Order of checks on receipt is chosen so that
 * nothing expensive or large happens before the cheapest authentication available (epoch, then MAC/AEAD).
 */
public final class MessageProtection {
    private MessageProtection() {
    }

    /** Thrown when the membership tag of a PublicMessage is wrong. */
    public static final class InvalidMembershipTagException extends MlsException {
        private static final long serialVersionUID = 1L;

        public InvalidMembershipTagException(String message) {
            super(message);
        }
    }

    /** Signs and (for member senders) MACs {@code content}. Application data may never be sent in the clear. */
    public static PublicMessage protectPublic(GroupContext ctx, byte[] membershipKey, byte[] signaturePrivateKey,
            FramedContent content, byte[] confirmationTag) {
        return protectPublic(ctx, membershipKey, ctx.suite().signingKey(signaturePrivateKey), content,
                confirmationTag);
    }

    public static PublicMessage protectPublic(GroupContext ctx, byte[] membershipKey, CipherSuite.SigningKey signer,
            FramedContent content, byte[] confirmationTag) {
        if (content.contentType() == FramedContent.APPLICATION) {
            throw new MlsException("application data must be sent as a PrivateMessage");
        }
        byte[] sig = AuthenticatedContent.sign(ctx.suite(), signer, MlsMessage.PUBLIC_MESSAGE, content, ctx);
        return protectPublic(ctx, membershipKey, new AuthenticatedContent(MlsMessage.PUBLIC_MESSAGE, content, sig,
                confirmationTag));
    }

    /**
     * As above with the content already signed (for wire format PublicMessage), so a caller that needs the
     * AuthenticatedContent itself (proposal reference, transcript hash) signs only once.
     */
    public static PublicMessage protectPublic(GroupContext ctx, byte[] membershipKey, AuthenticatedContent signed) {
        FramedContent content = signed.content();
        if (content.contentType() == FramedContent.APPLICATION) {
            throw new MlsException("application data must be sent as a PrivateMessage");
        }
        if (signed.wireFormat() != MlsMessage.PUBLIC_MESSAGE) {
            throw new MlsException("content was signed for wire format " + signed.wireFormat());
        }
        byte[] tag = null;
        if (content.sender().type() == Sender.MEMBER) {
            tag = ctx.suite().mac(membershipKey, PublicMessage.tbm(content, signed.signature(),
                    signed.confirmationTag(), ctx));
        }
        return new PublicMessage(content, signed.signature(), signed.confirmationTag(), tag);
    }

    /**
     * Verifies a PublicMessage: epoch, membership tag (constant-time), then the signature.
     *
     * @param signerKey resolves the signature public key for the content's sender (null if unknown)
     */
    public static AuthenticatedContent unprotectPublic(GroupContext ctx, byte[] membershipKey,
            Function<FramedContent, byte[]> signerKey, PublicMessage m) {
        CipherSuite s = ctx.suite();
        FramedContent c = m.content();
        checkEpoch(ctx, c.groupId(), c.epoch());
        if (c.contentType() == FramedContent.APPLICATION) {
            throw new DecodeException("application data in a PublicMessage");
        }
        if (c.sender().type() == Sender.MEMBER && !s.verifyMac(membershipKey,
                PublicMessage.tbm(c, m.signature(), m.confirmationTag(), ctx), m.membershipTag())) {
            throw new InvalidMembershipTagException("membership tag does not verify");
        }
        AuthenticatedContent ac = m.authenticatedContent();
        verifySignature(s, ctx, signerKey, ac);
        return ac;
    }

    /** Signs, pads and encrypts {@code content} from a member; reuse_guard is fresh random per message. */
    public static PrivateMessage protectPrivate(GroupContext ctx, SecretTree tree, byte[] senderDataSecret,
            byte[] signaturePrivateKey, FramedContent content, byte[] confirmationTag, int paddingLength) {
        return protectPrivate(ctx, tree, senderDataSecret, ctx.suite().signingKey(signaturePrivateKey), content,
                confirmationTag, paddingLength);
    }

    public static PrivateMessage protectPrivate(GroupContext ctx, SecretTree tree, byte[] senderDataSecret,
            CipherSuite.SigningKey signer, FramedContent content, byte[] confirmationTag, int paddingLength) {
        if (content.sender().type() != Sender.MEMBER) {
            throw new MlsException("only members can send PrivateMessages");
        }
        byte[] sig = AuthenticatedContent.sign(ctx.suite(), signer, MlsMessage.PRIVATE_MESSAGE, content, ctx);
        return protectPrivate(ctx, tree, senderDataSecret,
                new AuthenticatedContent(MlsMessage.PRIVATE_MESSAGE, content, sig, confirmationTag), paddingLength);
    }

    /** As above with the content already signed for wire format PrivateMessage (see the PublicMessage variant). */
    public static PrivateMessage protectPrivate(GroupContext ctx, SecretTree tree, byte[] senderDataSecret,
            AuthenticatedContent signed, int paddingLength) {
        CipherSuite s = ctx.suite();
        FramedContent content = signed.content();
        if (content.sender().type() != Sender.MEMBER) {
            throw new MlsException("only members can send PrivateMessages");
        }
        if (signed.wireFormat() != MlsMessage.PRIVATE_MESSAGE) {
            throw new MlsException("content was signed for wire format " + signed.wireFormat());
        }
        TlsWriter pt = new TlsWriter();
        content.encodeBody(pt);
        AuthenticatedContent.encodeAuth(pt, content.contentType(), signed.signature(), signed.confirmationTag());
        pt.writeBytes(new byte[paddingLength]);

        int leaf = (int) content.sender().index();
        SecretTree.KeyAndNonce k = tree.nextSendKey(leaf, ratchetFor(content.contentType()));
        byte[] reuseGuard = CipherSuite.randomBytes(4);
        byte[] ciphertext = s.aeadSeal(k.key(), guarded(k.nonce(), reuseGuard),
                contentAad(content.groupId(), content.epoch(), content.contentType(), content.authenticatedData()),
                pt.toByteArray());
        Arrays.fill(k.key(), (byte) 0);

        byte[] senderData = new TlsWriter().writeUint32(leaf).writeUint32(k.generation()).writeBytes(reuseGuard)
                .toByteArray();
        SecretTree.KeyAndNonce sdk = SecretTree.senderDataKey(s, senderDataSecret, ciphertext);
        byte[] encSenderData = s.aeadSeal(sdk.key(), sdk.nonce(),
                senderDataAad(content.groupId(), content.epoch(), content.contentType()), senderData);
        return new PrivateMessage(content.groupId(), content.epoch(), content.contentType(),
                content.authenticatedData(), encSenderData, ciphertext);
    }

    /**
     * Decrypts a PrivateMessage and verifies the signature. The generation is bounded by the secret tree's
     * {@code RatchetLimits} before any key derivation.
     */
    public static AuthenticatedContent unprotectPrivate(GroupContext ctx, SecretTree tree, byte[] senderDataSecret,
            Function<FramedContent, byte[]> signerKey, PrivateMessage m) {
        CipherSuite s = ctx.suite();
        checkEpoch(ctx, m.groupId(), m.epoch());
        int type = m.contentType();
        if (type < FramedContent.APPLICATION || type > FramedContent.COMMIT) {
            throw new DecodeException("invalid content type " + type);
        }
        SecretTree.KeyAndNonce sdk = SecretTree.senderDataKey(s, senderDataSecret, m.ciphertext());
        TlsReader sd = new TlsReader(s.aeadOpen(sdk.key(), sdk.nonce(),
                senderDataAad(m.groupId(), m.epoch(), type), m.encryptedSenderData()));
        long leaf = sd.readUint32();
        long generation = sd.readUint32();
        byte[] reuseGuard = sd.readBytes(4);
        sd.requireFullyConsumed();
        if (leaf >= tree.leafCount()) {
            throw new DecodeException("sender leaf " + leaf + " outside the tree");
        }
        SecretTree.KeyAndNonce k = tree.keyForGeneration((int) leaf, ratchetFor(type), generation);
        byte[] plaintext;
        try {
            plaintext = s.aeadOpen(k.key(), guarded(k.nonce(), reuseGuard),
                    contentAad(m.groupId(), m.epoch(), type, m.authenticatedData()), m.ciphertext());
        } catch (dev.carapace.mls.crypto.CryptoFailureException e) {
            tree.restoreKey((int) leaf, ratchetFor(type), k);
            throw e;
        }
        Arrays.fill(k.key(), (byte) 0);

        TlsReader p = new TlsReader(plaintext);
        FramedContent c = FramedContent.decodeBody(m.groupId(), m.epoch(), Sender.member(leaf),
                m.authenticatedData(), type, p);
        byte[][] auth = AuthenticatedContent.decodeAuth(p, type);
        while (p.hasRemaining()) {
            if (p.readUint8() != 0) {
                throw new DecodeException("non-zero padding");
            }
        }
        AuthenticatedContent ac = new AuthenticatedContent(MlsMessage.PRIVATE_MESSAGE, c, auth[0], auth[1]);
        verifySignature(s, ctx, signerKey, ac);
        return ac;
    }

    private static void verifySignature(CipherSuite s, GroupContext ctx, Function<FramedContent, byte[]> signerKey,
            AuthenticatedContent ac) {
        byte[] key = signerKey.apply(ac.content());
        if (key == null) {
            throw new InvalidSignatureException("unknown sender " + ac.content().sender());
        }
        if (!ac.verify(s, key, ctx)) {
            throw new InvalidSignatureException("content signature from " + ac.content().sender());
        }
    }

    private static void checkEpoch(GroupContext ctx, byte[] groupId, long epoch) {
        if (!Arrays.equals(groupId, ctx.groupId())) {
            throw new WrongEpochException("message for another group");
        }
        if (epoch != ctx.epoch()) {
            throw new WrongEpochException("message for epoch " + epoch + ", state is at " + ctx.epoch());
        }
    }

    private static SecretTree.RatchetType ratchetFor(int contentType) {
        return contentType == FramedContent.APPLICATION ? SecretTree.RatchetType.APPLICATION
                : SecretTree.RatchetType.HANDSHAKE;
    }

    private static byte[] contentAad(byte[] groupId, long epoch, int type, byte[] authenticatedData) {
        return new TlsWriter().writeVarBytes(groupId).writeUint64(epoch).writeUint8(type)
                .writeVarBytes(authenticatedData).toByteArray();
    }

    private static byte[] senderDataAad(byte[] groupId, long epoch, int type) {
        return new TlsWriter().writeVarBytes(groupId).writeUint64(epoch).writeUint8(type).toByteArray();
    }

    /** The first 4 nonce bytes are XORed with reuse_guard (RFC 9420 §6.3.1). */
    private static byte[] guarded(byte[] nonce, byte[] reuseGuard) {
        byte[] n = nonce.clone();
        for (int i = 0; i < 4; i++) {
            n[i] ^= reuseGuard[i];
        }
        return n;
    }
}
