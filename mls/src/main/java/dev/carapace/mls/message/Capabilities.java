package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/** Capabilities of a leaf (RFC 9420 §7.2): every list is a vector of uint16 code points. */
public record Capabilities(List<Integer> versions, List<Integer> cipherSuites, List<Integer> extensions,
        List<Integer> proposals, List<Integer> credentials) {

    public static Capabilities decode(TlsReader r) {
        return new Capabilities(r.readUint16List(), r.readUint16List(), r.readUint16List(), r.readUint16List(),
                r.readUint16List());
    }

    public void encode(TlsWriter w) {
        w.writeUint16List(versions).writeUint16List(cipherSuites).writeUint16List(extensions)
                .writeUint16List(proposals).writeUint16List(credentials);
    }

    /** Default types (RFC 9420 §7.2) need not be listed; anything else must be. */
    public boolean supportsExtension(int type) {
        return type <= Extension.EXTERNAL_SENDERS || extensions.contains(type);
    }

    public boolean supportsProposal(int type) {
        return type <= 7 || proposals.contains(type);
    }

    public boolean supportsCredential(int type) {
        return credentials.contains(type);
    }
}
