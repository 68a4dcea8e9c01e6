package dev.carapace.mls.framing;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import java.util.Arrays;

/**
 * Protects and unprotects application data as an {@code MLSMessage(PrivateMessage)} (RFC 9420 §6.3) for a
 * member sender. Stateless apart from the caller's {@link SecretTree}, whose keys are consumed (deleted) here.
 */
public final class ApplicationMessages {
    static final int WIRE_FORMAT_PRIVATE_MESSAGE = 2;
    static final int CONTENT_TYPE_APPLICATION = 1;
    static final int SENDER_TYPE_MEMBER = 1;

    /** Decrypted application data plus who sent it. */
    public record Received(int senderLeaf, long generation, byte[] authenticatedData, byte[] applicationData) {
    }

    private ApplicationMessages() {
    }

    /** Encrypts and signs {@code data} from {@code senderLeaf}; reuse_guard is fresh random per message. */
    public static byte[] protect(GroupContext ctx, SecretTree tree, byte[] senderDataSecret, int senderLeaf,
            byte[] signaturePrivateKey, byte[] authenticatedData, byte[] data) {
        CipherSuite s = ctx.suite();
        byte[] tbs = framedContentTbs(ctx, senderLeaf, authenticatedData, data);
        byte[] signature = s.signWithLabel(signaturePrivateKey, "FramedContentTBS", tbs);
        byte[] plaintext = new TlsWriter().writeVarBytes(data).writeVarBytes(signature).toByteArray();

        SecretTree.KeyAndNonce k = tree.nextSendKey(senderLeaf, SecretTree.RatchetType.APPLICATION);
        byte[] reuseGuard = CipherSuite.randomBytes(4);
        byte[] ciphertext = s.aeadSeal(k.key(), guarded(k.nonce(), reuseGuard),
                contentAad(ctx, authenticatedData), plaintext);
        Arrays.fill(k.key(), (byte) 0);

        byte[] senderData = new TlsWriter().writeUint32(senderLeaf).writeUint32(k.generation())
                .writeBytes(reuseGuard).toByteArray();
        SecretTree.KeyAndNonce sdk = SecretTree.senderDataKey(s, senderDataSecret, ciphertext);
        byte[] encSenderData = s.aeadSeal(sdk.key(), sdk.nonce(), senderDataAad(ctx), senderData);

        return new TlsWriter()
                .writeUint16(GroupContext.MLS10).writeUint16(WIRE_FORMAT_PRIVATE_MESSAGE)
                .writeVarBytes(ctx.groupId()).writeUint64(ctx.epoch()).writeUint8(CONTENT_TYPE_APPLICATION)
                .writeVarBytes(authenticatedData).writeVarBytes(encSenderData).writeVarBytes(ciphertext)
                .toByteArray();
    }

    /**
     * Decrypts an application PrivateMessage and verifies the sender's signature.
     *
     * @param senderSignatureKeys signature public key of each leaf (null for blank leaves)
     */
    public static Received unprotect(GroupContext ctx, SecretTree tree, byte[] senderDataSecret,
            byte[][] senderSignatureKeys, byte[] message) {
        CipherSuite s = ctx.suite();
        TlsReader r = new TlsReader(message);
        if (r.readUint16() != GroupContext.MLS10 || r.readUint16() != WIRE_FORMAT_PRIVATE_MESSAGE) {
            throw new DecodeException("not an MLS 1.0 PrivateMessage");
        }
        byte[] groupId = r.readVarBytes();
        long epoch = r.readUint64();
        int contentType = r.readUint8();
        byte[] authenticatedData = r.readVarBytes();
        byte[] encSenderData = r.readVarBytes();
        byte[] ciphertext = r.readVarBytes();
        r.requireFullyConsumed();
        if (!Arrays.equals(groupId, ctx.groupId()) || epoch != ctx.epoch()) {
            throw new WrongEpochException("message for epoch " + epoch + ", state is at " + ctx.epoch());
        }
        if (contentType != CONTENT_TYPE_APPLICATION) {
            throw new DecodeException("content type " + contentType + " is not application");
        }
        SecretTree.KeyAndNonce sdk = SecretTree.senderDataKey(s, senderDataSecret, ciphertext);
        TlsReader sd = new TlsReader(s.aeadOpen(sdk.key(), sdk.nonce(), senderDataAad(ctx), encSenderData));
        long leaf = sd.readUint32();
        long generation = sd.readUint32();
        byte[] reuseGuard = sd.readBytes(4);
        sd.requireFullyConsumed();
        if (leaf >= tree.leafCount() || senderSignatureKeys[(int) leaf] == null) {
            throw new DecodeException("sender leaf " + leaf + " is not a member");
        }
        // Generation bounds are enforced inside the secret tree before any derivation.
        SecretTree.KeyAndNonce k = tree.keyForGeneration((int) leaf, SecretTree.RatchetType.APPLICATION, generation);
        byte[] plaintext = s.aeadOpen(k.key(), guarded(k.nonce(), reuseGuard), contentAad(ctx, authenticatedData),
                ciphertext);
        Arrays.fill(k.key(), (byte) 0);

        TlsReader p = new TlsReader(plaintext);
        byte[] data = p.readVarBytes();
        byte[] signature = p.readVarBytes();
        while (p.hasRemaining()) {
            if (p.readUint8() != 0) {
                throw new DecodeException("non-zero padding");
            }
        }
        byte[] tbs = framedContentTbs(ctx, (int) leaf, authenticatedData, data);
        if (!s.verifyWithLabel(senderSignatureKeys[(int) leaf], "FramedContentTBS", tbs, signature)) {
            throw new InvalidSignatureException("application message signature from leaf " + leaf);
        }
        return new Received((int) leaf, generation, authenticatedData, data);
    }

    private static byte[] framedContentTbs(GroupContext ctx, int senderLeaf, byte[] authenticatedData,
            byte[] data) {
        return new TlsWriter()
                .writeUint16(GroupContext.MLS10).writeUint16(WIRE_FORMAT_PRIVATE_MESSAGE)
                .writeVarBytes(ctx.groupId()).writeUint64(ctx.epoch())
                .writeUint8(SENDER_TYPE_MEMBER).writeUint32(senderLeaf)
                .writeVarBytes(authenticatedData).writeUint8(CONTENT_TYPE_APPLICATION).writeVarBytes(data)
                .writeBytes(ctx.encode())
                .toByteArray();
    }

    private static byte[] contentAad(GroupContext ctx, byte[] authenticatedData) {
        return new TlsWriter().writeVarBytes(ctx.groupId()).writeUint64(ctx.epoch())
                .writeUint8(CONTENT_TYPE_APPLICATION).writeVarBytes(authenticatedData).toByteArray();
    }

    private static byte[] senderDataAad(GroupContext ctx) {
        return new TlsWriter().writeVarBytes(ctx.groupId()).writeUint64(ctx.epoch())
                .writeUint8(CONTENT_TYPE_APPLICATION).toByteArray();
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
