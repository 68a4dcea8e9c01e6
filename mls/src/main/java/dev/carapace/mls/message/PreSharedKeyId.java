package dev.carapace.mls.message;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;

/** PreSharedKeyID (RFC 9420 §8.4): external (pskId) or resumption (usage, group id, epoch). */
public record PreSharedKeyId(int pskType, byte[] pskId, int usage, byte[] pskGroupId, long pskEpoch,
        byte[] pskNonce) {
    public static final int EXTERNAL = 1;
    public static final int RESUMPTION = 2;
    public static final int USAGE_APPLICATION = 1;

    public static PreSharedKeyId external(byte[] pskId, byte[] nonce) {
        return new PreSharedKeyId(EXTERNAL, pskId, 0, null, 0, nonce);
    }

    public static PreSharedKeyId decode(TlsReader r) {
        int type = r.readUint8();
        return switch (type) {
            case EXTERNAL -> new PreSharedKeyId(EXTERNAL, r.readVarBytes(), 0, null, 0, r.readVarBytes());
            case RESUMPTION -> {
                int usage = r.readUint8();
                byte[] gid = r.readVarBytes();
                long epoch = r.readUint64();
                yield new PreSharedKeyId(RESUMPTION, null, usage, gid, epoch, r.readVarBytes());
            }
            default -> throw new DecodeException("invalid psk type " + type);
        };
    }

    public void encode(TlsWriter w) {
        w.writeUint8(pskType);
        if (pskType == EXTERNAL) {
            w.writeVarBytes(pskId);
        } else {
            w.writeUint8(usage).writeVarBytes(pskGroupId).writeUint64(pskEpoch);
        }
        w.writeVarBytes(pskNonce);
    }
}
