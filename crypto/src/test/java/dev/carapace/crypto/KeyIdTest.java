package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class KeyIdTest {

    @Test
    void onlyTheCanonicalSpellingParses() throws Exception {
        Ed25519KeyPair k = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k, Ed25519KeyPair.generate().publicKey(), 0);
        String id = log.id().toString();
        assertThat(KeyId.parse(id + "#0")).isEqualTo(new KeyId(log.id(), 0));
        assertThat(KeyId.parse(id + "#12").seq()).isEqualTo(12);
        assertThat(KeyId.parse(id + "#12").toString()).isEqualTo(id + "#12");
        for (String alias : new String[] {id + "#00", id + "#+0", id + "#-1", id + "#012", id + "# 1", id + "#1 ",
                id + "#", id, id.toUpperCase(Locale.ROOT) + "#0", " " + id + "#0", id + "#0x1", id + "#١",
                id + "#9999999999999999999", "cara1nothing#0"}) {
            assertThatThrownBy(() -> KeyId.parse(alias)).as(alias).isInstanceOf(CryptoException.class);
        }
        assertThatThrownBy(() -> KeyId.parse(null)).isInstanceOf(CryptoException.class);
        assertThat(KeyId.parseSeq("7")).isEqualTo(7);
        assertThat(KeyId.parseSeq("07")).isEqualTo(-1);
    }
}
