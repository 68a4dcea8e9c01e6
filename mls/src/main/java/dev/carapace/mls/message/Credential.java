package dev.carapace.mls.message;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/**
 * Credential (RFC 9420 §5.3). basic carries an identity; x509 a certificate chain. Other types are kept as
 * opaque bytes would be ambiguous (no length prefix in the RFC), so they are rejected at decode.
 */
public record Credential(int type, byte[] identity, List<byte[]> certificates) {
    public static final int BASIC = 1;
    public static final int X509 = 2;

    public static Credential basic(byte[] identity) {
        return new Credential(BASIC, identity, List.of());
    }

    public static Credential decode(TlsReader r) {
        int type = r.readUint16();
        return switch (type) {
            case BASIC -> new Credential(BASIC, r.readVarBytes(), List.of());
            case X509 -> new Credential(X509, null, r.readList(TlsReader::readVarBytes));
            default -> throw new DecodeException("unsupported credential type " + type);
        };
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }

    public void encode(TlsWriter w) {
        w.writeUint16(type);
        if (type == BASIC) {
            w.writeVarBytes(identity);
        } else {
            w.writeList(certificates, TlsWriter::writeVarBytes);
        }
    }
}
