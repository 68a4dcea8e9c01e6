package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite.HpkeCiphertext;

/** Wire form of HPKECiphertext (RFC 9420 §7.6). */
public final class HpkeCiphertextCodec {
    private HpkeCiphertextCodec() {
    }

    public static HpkeCiphertext decode(TlsReader r) {
        return new HpkeCiphertext(r.readVarBytes(), r.readVarBytes());
    }

    public static void encode(TlsWriter w, HpkeCiphertext c) {
        w.writeVarBytes(c.kemOutput()).writeVarBytes(c.ciphertext());
    }
}
