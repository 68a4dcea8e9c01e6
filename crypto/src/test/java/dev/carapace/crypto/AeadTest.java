package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

class AeadTest {
    private static final byte[] AAD = "owner-1|email".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MSG = "hello".getBytes(StandardCharsets.UTF_8);

    @Test
    void sealedValuesCarryVersionAndNonceAndOpenOnlyWhereTheyBelong() throws Exception {
        Aead a = new Aead(Bytes.random(32));
        byte[] s1 = a.seal(MSG, AAD);
        byte[] s2 = a.seal(MSG, AAD);
        assertThat(s1).hasSize(1 + 12 + MSG.length + 16);
        assertThat(s1[0]).isEqualTo(Aead.AES_256_GCM);
        assertThat(Arrays.copyOfRange(s1, 1, 13)).isNotEqualTo(Arrays.copyOfRange(s2, 1, 13)); // fresh nonces
        assertThat(a.open(s1, AAD)).isEqualTo(MSG);
        assertThatThrownBy(() -> a.open(s1, "owner-2|email".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> new Aead(Bytes.random(32)).open(s1, AAD)).isInstanceOf(CryptoException.class);
        for (int i = 0; i < s1.length; i++) {
            byte[] t = s1.clone();
            t[i] ^= 1;
            assertThatThrownBy(() -> a.open(t, AAD)).isInstanceOf(CryptoException.class);
        }
        assertThatThrownBy(() -> a.open(Arrays.copyOf(s1, 28), AAD)).hasMessageContaining("too short");
    }

    @Test
    void unknownVersionsAreRefused() throws Exception {
        Aead a = new Aead(Bytes.random(32));
        byte[] s = a.seal(MSG, AAD);
        s[0] = 2;
        assertThatThrownBy(() -> a.open(s, AAD)).hasMessageContaining("unknown version 2");
    }

    /** The framing is exactly version || nonce || AES-GCM(key, nonce, aad, plaintext): what StateVault always wrote. */
    @Test
    void framingIsTheVersionByteTheNonceAndTheGcmOutput() throws Exception {
        byte[] key = Bytes.random(32);
        byte[] nonce = Bytes.random(12);
        byte[] ct = Bytes.aesGcm(Cipher.ENCRYPT_MODE, key, nonce, AAD, MSG);
        byte[] framed = Aead.framed(nonce, ct);
        assertThat(framed[0]).isEqualTo((byte) 1);
        assertThat(new Aead(key).open(framed, AAD)).isEqualTo(MSG);
    }

    /** Values sealed before the version byte existed (nonce || ciphertext || tag), whatever their first byte. */
    @Test
    void unversionedValuesOpenOnlyWhenAllowed() throws Exception {
        byte[] key = Bytes.random(32);
        Aead a = new Aead(key);
        for (byte first : new byte[] {0, 1, 2, (byte) 0xff}) {
            byte[] nonce = Bytes.random(12);
            nonce[0] = first;
            byte[] ct = Bytes.aesGcm(Cipher.ENCRYPT_MODE, key, nonce, AAD, MSG);
            byte[] old = new byte[12 + ct.length];
            System.arraycopy(nonce, 0, old, 0, 12);
            System.arraycopy(ct, 0, old, 12, ct.length);
            assertThat(a.openAllowingUnversioned(old, AAD)).isEqualTo(MSG);
            assertThatThrownBy(() -> a.open(old, AAD)).isInstanceOf(CryptoException.class);
            old[old.length - 1] ^= 1;
            assertThatThrownBy(() -> a.openAllowingUnversioned(old, AAD)).isInstanceOf(CryptoException.class);
        }
        assertThat(a.openAllowingUnversioned(a.seal(MSG, AAD), AAD)).isEqualTo(MSG);
    }

    @Test
    void keysAre32Bytes() {
        assertThatThrownBy(() -> new Aead(new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }
}
