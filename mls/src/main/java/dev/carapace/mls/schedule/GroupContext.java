package dev.carapace.mls.schedule;

import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;

/**
 * GroupContext (RFC 9420 §8.1). {@code extensions} is the already-encoded {@code Extension extensions<V>} body
 * (without its length prefix), so unknown extension types pass through untouched.
 */
public record GroupContext(CipherSuite suite, byte[] groupId, long epoch, byte[] treeHash,
        byte[] confirmedTranscriptHash, byte[] extensions) {

    /** ProtocolVersion mls10. */
    public static final int MLS10 = 1;

    public byte[] encode() {
        return new TlsWriter()
                .writeUint16(MLS10)
                .writeUint16(suite.id())
                .writeVarBytes(groupId)
                .writeUint64(epoch)
                .writeVarBytes(treeHash)
                .writeVarBytes(confirmedTranscriptHash)
                .writeVarBytes(extensions)
                .toByteArray();
    }
}
