package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/**
 * ExternalSender (RFC 9420 §12.1.8.1): a party outside the group allowed to send it proposals, listed in the
 * external_senders GroupContext extension; a proposal names it by its index in that list.
 */
public record ExternalSender(byte[] signatureKey, Credential credential) {

    public static ExternalSender decode(TlsReader r) {
        return new ExternalSender(r.readVarBytes(), Credential.decode(r));
    }

    public void encode(TlsWriter w) {
        w.writeVarBytes(signatureKey);
        credential.encode(w);
    }

    /** The external_senders extension listing {@code senders} (index = position in the list). */
    public static Extension toExtension(List<ExternalSender> senders) {
        return new Extension(Extension.EXTERNAL_SENDERS,
                new TlsWriter().writeList(senders, (w, s) -> s.encode(w)).toByteArray());
    }

    /** The senders in the external_senders extension of {@code extensions}; empty when there is none. */
    public static List<ExternalSender> in(List<Extension> extensions) {
        Extension e = Extension.find(extensions, Extension.EXTERNAL_SENDERS);
        if (e == null) {
            return List.of();
        }
        TlsReader r = new TlsReader(e.data());
        List<ExternalSender> senders = r.readList(ExternalSender::decode);
        r.requireFullyConsumed();
        return senders;
    }
}
