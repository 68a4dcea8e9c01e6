package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/** Extension (RFC 9420 §13.4): type plus opaque data, so unknown types round-trip untouched. */
public record Extension(int type, byte[] data) {
    public static final int APPLICATION_ID = 1;
    public static final int RATCHET_TREE = 2;
    public static final int REQUIRED_CAPABILITIES = 3;
    public static final int EXTERNAL_PUB = 4;
    public static final int EXTERNAL_SENDERS = 5;

    public static Extension decode(TlsReader r) {
        return new Extension(r.readUint16(), r.readVarBytes());
    }

    public void encode(TlsWriter w) {
        w.writeUint16(type).writeVarBytes(data);
    }

    public static List<Extension> decodeList(TlsReader r) {
        List<Extension> list = r.readList(Extension::decode);
        // RFC 9420 §13.4: an extension type may appear at most once in a list.
        if (list.stream().map(Extension::type).distinct().count() != list.size()) {
            throw new dev.carapace.mls.codec.DecodeException("duplicate extension type");
        }
        return list;
    }

    public static void encodeList(TlsWriter w, List<Extension> list) {
        w.writeList(list, (ww, e) -> e.encode(ww));
    }

    /** Body of {@code Extension extensions<V>} without the length prefix (the form GroupContext stores). */
    public static byte[] encodeBody(List<Extension> list) {
        TlsWriter w = new TlsWriter();
        list.forEach(e -> e.encode(w));
        return w.toByteArray();
    }

    public static List<Extension> decodeBody(byte[] body) {
        TlsReader r = new TlsReader(new TlsWriter().writeVarBytes(body).toByteArray());
        return decodeList(r);
    }

    /** The extension of {@code type} in {@code list}, or null. */
    public static Extension find(List<Extension> list, int type) {
        return list.stream().filter(e -> e.type == type).findFirst().orElse(null);
    }
}
