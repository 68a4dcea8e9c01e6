package dev.carapace.mls.framing;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Proposal;

/**
 * FramedContent (RFC 9420 §6). Exactly one of {@code applicationData}, {@code proposal}, {@code commit} is set,
 * matching {@code contentType}.
 */
public record FramedContent(byte[] groupId, long epoch, Sender sender, byte[] authenticatedData, int contentType,
        byte[] applicationData, Proposal proposal, Commit commit) {
    public static final int APPLICATION = 1;
    public static final int PROPOSAL = 2;
    public static final int COMMIT = 3;

    public static FramedContent decode(TlsReader r) {
        byte[] gid = r.readVarBytes();
        long epoch = r.readUint64();
        Sender sender = Sender.decode(r);
        byte[] aad = r.readVarBytes();
        int type = r.readUint8();
        return decodeBody(gid, epoch, sender, aad, type, r);
    }

    static FramedContent decodeBody(byte[] gid, long epoch, Sender sender, byte[] aad, int type, TlsReader r) {
        return switch (type) {
            case APPLICATION -> new FramedContent(gid, epoch, sender, aad, type, r.readVarBytes(), null, null);
            case PROPOSAL -> new FramedContent(gid, epoch, sender, aad, type, null, Proposal.decode(r), null);
            case COMMIT -> new FramedContent(gid, epoch, sender, aad, type, null, null, Commit.decode(r));
            default -> throw new DecodeException("invalid content type " + type);
        };
    }

    public void encode(TlsWriter w) {
        w.writeVarBytes(groupId).writeUint64(epoch);
        sender.encode(w);
        w.writeVarBytes(authenticatedData).writeUint8(contentType);
        encodeBody(w);
    }

    /** Just the content-type-specific body (as it appears inside PrivateMessageContent). */
    void encodeBody(TlsWriter w) {
        switch (contentType) {
            case APPLICATION -> w.writeVarBytes(applicationData);
            case PROPOSAL -> proposal.encode(w);
            default -> commit.encode(w);
        }
    }

    public static FramedContent application(byte[] groupId, long epoch, Sender s, byte[] aad, byte[] data) {
        return new FramedContent(groupId, epoch, s, aad, APPLICATION, data, null, null);
    }

    public static FramedContent proposal(byte[] groupId, long epoch, Sender s, byte[] aad, Proposal p) {
        return new FramedContent(groupId, epoch, s, aad, PROPOSAL, null, p, null);
    }

    public static FramedContent commit(byte[] groupId, long epoch, Sender s, byte[] aad, Commit c) {
        return new FramedContent(groupId, epoch, s, aad, COMMIT, null, null, c);
    }
}
