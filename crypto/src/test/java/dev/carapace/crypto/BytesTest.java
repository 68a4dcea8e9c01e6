package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BytesTest {
    @Test
    void base64urlHasOneSpellingPerValue() throws Exception {
        byte[] sixteen = new byte[16];
        sixteen[15] = 0x40;
        String canonical = Bytes.b64url(sixteen); // 22 characters: the last one carries 4 unused bits
        assertThat(Bytes.fromB64url(canonical)).isEqualTo(sixteen);
        String alias = canonical.substring(0, 21) + "B"; // same bytes to a lenient decoder, a non-zero unused bit
        assertThat(java.util.Base64.getUrlDecoder().decode(alias)).isEqualTo(sixteen);
        assertThatThrownBy(() -> Bytes.fromB64url(alias)).isInstanceOf(CryptoException.class)
                .hasMessageContaining("canonical");
        assertThatThrownBy(() -> Bytes.fromB64url(canonical + "==")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> Bytes.fromB64url("a+b/")).isInstanceOf(CryptoException.class);
        assertThat(Bytes.fromB64url("")).isEmpty();
    }
}
