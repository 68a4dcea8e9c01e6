package dev.carapace.mls.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The many-recipient EncryptWithLabel (own HPKE key schedule for X25519) opens with BouncyCastle's HPKE. */
class BatchEncryptWithLabelTest {

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void everyRecipientOpensItsOwnCiphertext(CipherSuite s) {
        List<byte[][]> keys = new ArrayList<>();
        List<byte[]> pubs = new ArrayList<>();
        List<byte[]> pts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[][] kp = s.generateHpkeKeyPair();
            keys.add(kp);
            pubs.add(kp[1]);
            pts.add(("secret " + i).getBytes());
        }
        byte[] context = CipherSuite.randomBytes(5000);
        List<CipherSuite.HpkeCiphertext> cts = s.encryptWithLabel(pubs, "Welcome", context, pts);
        for (int i = 0; i < 3; i++) {
            assertThat(s.decryptWithLabel(keys.get(i)[0], "Welcome", context, cts.get(i))).isEqualTo(pts.get(i));
        }
        // Bound to the context and to the recipient.
        byte[] other = context.clone();
        other[0] ^= 1;
        assertThatThrownBy(() -> s.decryptWithLabel(keys.get(0)[0], "Welcome", other, cts.get(0)))
                .isInstanceOf(CryptoFailureException.class);
        assertThatThrownBy(() -> s.decryptWithLabel(keys.get(1)[0], "Welcome", context, cts.get(0)))
                .isInstanceOf(CryptoFailureException.class);
    }
}
