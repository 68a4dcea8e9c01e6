package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite.HpkeCiphertext;
import java.util.List;

/** Welcome (RFC 9420 §12.4.3.1). */
public record Welcome(int cipherSuite, List<Secrets> secrets, byte[] encryptedGroupInfo) {

    /** EncryptedGroupSecrets: GroupSecrets HPKE-encrypted to one new member's init key. */
    public record Secrets(byte[] newMember, HpkeCiphertext encryptedGroupSecrets) {
        static Secrets decode(TlsReader r) {
            return new Secrets(r.readVarBytes(), HpkeCiphertextCodec.decode(r));
        }

        void encode(TlsWriter w) {
            w.writeVarBytes(newMember);
            HpkeCiphertextCodec.encode(w, encryptedGroupSecrets);
        }
    }

    public static Welcome decode(TlsReader r) {
        return new Welcome(r.readUint16(), r.readList(Secrets::decode), r.readVarBytes());
    }

    public void encode(TlsWriter w) {
        w.writeUint16(cipherSuite).writeList(secrets, (ww, s) -> s.encode(ww)).writeVarBytes(encryptedGroupInfo);
    }
}
