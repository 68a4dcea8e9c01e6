package dev.carapace.mls.schedule;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;

/**
 * GroupContext (RFC 9420 §8.1). {@code extensions} is the already-encoded {@code Extension extensions<V>} body
 * (without its length prefix), so unknown extension types pass through untouched. The suite is kept as its
 * registry value so that contexts of suites we cannot run still decode and re-encode.
 */
public record GroupContext(int cipherSuiteId, byte[] groupId, long epoch, byte[] treeHash,
        byte[] confirmedTranscriptHash, byte[] extensions) {

    /** ProtocolVersion mls10. */
    public static final int MLS10 = 1;

    public GroupContext(CipherSuite suite, byte[] groupId, long epoch, byte[] treeHash,
            byte[] confirmedTranscriptHash, byte[] extensions) {
        this(suite.id(), groupId, epoch, treeHash, confirmedTranscriptHash, extensions);
    }

    /** The suite; throws if this context names one we do not implement. */
    public CipherSuite suite() {
        return CipherSuite.byId(cipherSuiteId)
                .orElseThrow(() -> new DecodeException("unsupported cipher suite " + cipherSuiteId));
    }

    public byte[] encode() {
        return new TlsWriter()
                .writeUint16(MLS10)
                .writeUint16(cipherSuiteId)
                .writeVarBytes(groupId)
                .writeUint64(epoch)
                .writeVarBytes(treeHash)
                .writeVarBytes(confirmedTranscriptHash)
                .writeVarBytes(extensions)
                .toByteArray();
    }

    public static GroupContext decode(TlsReader r) {
        int version = r.readUint16();
        if (version != MLS10) {
            throw new DecodeException("unsupported protocol version " + version);
        }
        return new GroupContext(r.readUint16(), r.readVarBytes(), r.readUint64(), r.readVarBytes(),
                r.readVarBytes(), r.readVarBytes());
    }

    public GroupContext withEpoch(long newEpoch, byte[] newTreeHash, byte[] newConfirmed, byte[] newExtensions) {
        return new GroupContext(cipherSuiteId, groupId, newEpoch, newTreeHash, newConfirmed, newExtensions);
    }
}
