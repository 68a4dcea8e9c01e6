package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/** ParentNode (RFC 9420 §7.1): unmerged leaves are leaf indices, kept sorted as the RFC requires on the wire. */
public record ParentNode(byte[] encryptionKey, byte[] parentHash, List<Long> unmergedLeaves) {

    public static ParentNode decode(TlsReader r) {
        return new ParentNode(r.readVarBytes(), r.readVarBytes(), r.readList(TlsReader::readUint32));
    }

    public void encode(TlsWriter w) {
        w.writeVarBytes(encryptionKey).writeVarBytes(parentHash).writeList(unmergedLeaves, TlsWriter::writeUint32);
    }
}
