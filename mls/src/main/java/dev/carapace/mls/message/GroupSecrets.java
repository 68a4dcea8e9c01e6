package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/** GroupSecrets (RFC 9420 §12.4.3.1): what a joiner decrypts from the Welcome. pathSecret may be null. */
public record GroupSecrets(byte[] joinerSecret, byte[] pathSecret, List<PreSharedKeyId> psks) {

    public static GroupSecrets decode(TlsReader r) {
        return new GroupSecrets(r.readVarBytes(), r.readOptional(TlsReader::readVarBytes),
                r.readList(PreSharedKeyId::decode));
    }

    public byte[] encode() {
        return new TlsWriter().writeVarBytes(joinerSecret).writeOptional(pathSecret, TlsWriter::writeVarBytes)
                .writeList(psks, (w, p) -> p.encode(w)).toByteArray();
    }
}
