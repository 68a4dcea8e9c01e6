package dev.carapace.mls.schedule;

import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.message.PreSharedKeyId;
import java.util.List;

/** psk_secret (RFC 9420 §8.4): each PSK is extracted, bound to its id and position, and chained. */
public final class PskSecret {
    private PskSecret() {
    }

    /** Returns null (meaning the all-zero psk_secret) when there are no PSKs. */
    public static byte[] compute(CipherSuite s, List<PreSharedKeyId> ids, List<byte[]> psks) {
        if (ids.isEmpty()) {
            return null;
        }
        int nh = s.hashLength();
        byte[] secret = new byte[nh];
        for (int i = 0; i < ids.size(); i++) {
            byte[] extracted = s.kdfExtract(new byte[nh], psks.get(i));
            TlsWriter label = new TlsWriter();
            ids.get(i).encode(label);
            label.writeUint16(i).writeUint16(ids.size());
            byte[] input = s.expandWithLabel(extracted, "derived psk", label.toByteArray(), nh);
            secret = s.kdfExtract(input, secret);
        }
        return secret;
    }
}
