package dev.carapace.mls.framing;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;

/** Sender (RFC 9420 §6): {@code index} is the leaf index (member) or external sender index. */
public record Sender(int type, long index) {
    public static final int MEMBER = 1;
    public static final int EXTERNAL = 2;
    public static final int NEW_MEMBER_PROPOSAL = 3;
    public static final int NEW_MEMBER_COMMIT = 4;

    public static Sender member(long leaf) {
        return new Sender(MEMBER, leaf);
    }

    public static Sender decode(TlsReader r) {
        int type = r.readUint8();
        return switch (type) {
            case MEMBER, EXTERNAL -> new Sender(type, r.readUint32());
            case NEW_MEMBER_PROPOSAL, NEW_MEMBER_COMMIT -> new Sender(type, 0);
            default -> throw new DecodeException("invalid sender type " + type);
        };
    }

    public void encode(TlsWriter w) {
        w.writeUint8(type);
        if (type == MEMBER || type == EXTERNAL) {
            w.writeUint32(index);
        }
    }

    /** Whether FramedContentTBS binds the GroupContext for this sender type. */
    boolean bindsContext() {
        return type == MEMBER || type == NEW_MEMBER_COMMIT;
    }
}
