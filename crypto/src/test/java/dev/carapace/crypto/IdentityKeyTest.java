package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IdentityKeyTest {
    private static final byte[] PAYLOAD = "{}".getBytes(StandardCharsets.UTF_8);

    @Test
    void onlyTheCurrentKeyUnderItsCanonicalKeyIdSignsForTheCurrentKey() throws Exception {
        Ed25519KeyPair k0 = Ed25519KeyPair.generate();
        Ed25519KeyPair k1 = Ed25519KeyPair.generate();
        KeyEventLog log0 = KeyEventLog.incept("agent", k0, k1.publicKey(), 1_000);
        KeyEventLog log1 = log0.rotate(k1, Ed25519KeyPair.generate().publicKey(), 2_000);
        String id = log0.id().toString();

        IdentityKey current = IdentityKey.current(log1);
        assertThat(current.id().toString()).isEqualTo(id + "#1").isEqualTo(log1.currentKeyId());
        current.requireSigned(Dsse.sign("t", PAYLOAD, id + "#1", k1));
        // The rotated-out key, under its own id or the current one's, does not count.
        assertThatThrownBy(() -> current.requireSigned(Dsse.sign("t", PAYLOAD, id + "#0", k0)))
                .isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> current.requireSigned(Dsse.sign("t", PAYLOAD, id + "#1", k0)))
                .isInstanceOf(CryptoException.class);
        // The current key under an alias of its key id does not count either.
        assertThatThrownBy(() -> current.requireSigned(Dsse.sign("t", PAYLOAD, id + "#01", k1)))
                .isInstanceOf(CryptoException.class);
    }

    @Test
    void aNamedKeyIsOneTheLogEstablishedUnderItsCanonicalId() throws Exception {
        Ed25519KeyPair k0 = Ed25519KeyPair.generate();
        Ed25519KeyPair k1 = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k0, k1.publicKey(), 1_000)
                .rotate(k1, Ed25519KeyPair.generate().publicKey(), 2_000);
        String id = log.id().toString();
        assertThat(IdentityKey.named(log, id + "#0").key()).isEqualTo(k0.publicKey());
        assertThat(IdentityKey.named(log, id + "#1").key()).isEqualTo(k1.publicKey());
        assertThat(IdentityKey.named(log, id + "#2")).isNull();
        assertThat(IdentityKey.named(log, id + "#00")).isNull();
        assertThat(IdentityKey.named(log, id)).isNull();
        KeyEventLog other = KeyEventLog.incept("agent", k0, k1.publicKey(), 3_000);
        assertThat(IdentityKey.named(log, other.id() + "#0")).isNull();
    }
}
