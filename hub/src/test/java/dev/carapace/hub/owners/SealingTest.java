package dev.carapace.hub.owners;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.CryptoException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SealingTest {
    private static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            KEY[i] = (byte) (7 * i);
        }
    }

    /**
     * Owner PII sealed by the hub before issue 18 ({@code nonce || ciphertext || tag}, no version byte), written by
     * that code under {@link #KEY} for "owner-1|email": one whose random nonce happens to start with 0x01, like the
     * version byte, and one that does not.
     */
    private static final String[] OLD = {
        "01ef2e0ba44d009d54becbf53e01a6430b20f8a661ef2e91101d6d641400eacca8d7c68b155ab2028d459237a6",
        "f8c21c8fd86668ea0447935ef5fa8ac01414407876b9aab831378bdd4dae47716622b18d640972586604e3fbeb",
    };

    @Test
    void valuesSealedByTheOldCodeStillOpen() throws Exception {
        for (String hex : OLD) {
            byte[] old = HexFormat.of().parseHex(hex);
            assertThat(new String(Sealing.open(KEY, old, "owner-1|email"), StandardCharsets.UTF_8))
                    .isEqualTo("owner@example.org");
            assertThatThrownBy(() -> Sealing.open(KEY, old, "owner-2|email")).isInstanceOf(CryptoException.class);
        }
    }

    @Test
    void newValuesCarryTheVersionByteAndStayBoundToTheirPlace() throws Exception {
        byte[] sealed = Sealing.seal(KEY, "x@example.org".getBytes(StandardCharsets.UTF_8), "owner-1|email");
        assertThat(sealed[0]).isEqualTo((byte) 1);
        assertThat(new String(Sealing.open(KEY, sealed, "owner-1|email"), StandardCharsets.UTF_8))
                .isEqualTo("x@example.org");
        assertThatThrownBy(() -> Sealing.open(KEY, sealed, "owner-1|name")).isInstanceOf(CryptoException.class);
    }
}
