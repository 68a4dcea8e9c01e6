package dev.carapace.mls.framing;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;

/** PrivateMessage (RFC 9420 §6.3): everything but group, epoch, type and AAD is encrypted. */
public record PrivateMessage(byte[] groupId, long epoch, int contentType, byte[] authenticatedData,
        byte[] encryptedSenderData, byte[] ciphertext) {

    public static PrivateMessage decode(TlsReader r) {
        return new PrivateMessage(r.readVarBytes(), r.readUint64(), r.readUint8(), r.readVarBytes(),
                r.readVarBytes(), r.readVarBytes());
    }

    public void encode(TlsWriter w) {
        w.writeVarBytes(groupId).writeUint64(epoch).writeUint8(contentType).writeVarBytes(authenticatedData)
                .writeVarBytes(encryptedSenderData).writeVarBytes(ciphertext);
    }
}
