package dev.carapace.mls.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.mls.GenerationTooFarException;
import dev.carapace.mls.KeyUnavailableException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.SecretTree.KeyAndNonce;
import dev.carapace.mls.schedule.SecretTree.RatchetType;
import dev.carapace.mls.vectors.Vectors;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SecretTreeVectorTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

    @Test
    void matchesMlswgSecretTreeVectors() throws Exception {
        JsonNode cases = Vectors.load("secret-tree");
        int checked = 0;
        for (JsonNode c : cases) {
            Optional<CipherSuite> maybe = CipherSuite.byId(c.get("cipher_suite").asInt());
            if (maybe.isEmpty()) {
                continue;
            }
            CipherSuite s = maybe.get();
            JsonNode sd = c.get("sender_data");
            KeyAndNonce sdk = SecretTree.senderDataKey(s, hex(sd, "sender_data_secret"), hex(sd, "ciphertext"));
            assertThat(sdk.key()).isEqualTo(hex(sd, "key"));
            assertThat(sdk.nonce()).isEqualTo(hex(sd, "nonce"));

            JsonNode leaves = c.get("leaves");
            SecretTree tree = new SecretTree(s, hex(c, "encryption_secret"), leaves.size(), RatchetLimits.DEFAULT);
            for (int leaf = 0; leaf < leaves.size(); leaf++) {
                for (JsonNode g : leaves.get(leaf)) {
                    long gen = g.get("generation").asLong();
                    KeyAndNonce hs = tree.keyForGeneration(leaf, RatchetType.HANDSHAKE, gen);
                    KeyAndNonce app = tree.keyForGeneration(leaf, RatchetType.APPLICATION, gen);
                    String ctx = "suite " + s.id() + " leaf " + leaf + " gen " + gen;
                    assertThat(hs.key()).as(ctx).isEqualTo(hex(g, "handshake_key"));
                    assertThat(hs.nonce()).as(ctx).isEqualTo(hex(g, "handshake_nonce"));
                    assertThat(app.key()).as(ctx).isEqualTo(hex(g, "application_key"));
                    assertThat(app.nonce()).as(ctx).isEqualTo(hex(g, "application_nonce"));
                }
            }
            checked++;
        }
        assumeTrue(checked > 0, "no secret-tree case for a supported suite");
        assertThat(checked).isPositive();
    }

    @Test
    void keysAreSingleUseAndOutOfOrderWithinWindow() {
        SecretTree t = new SecretTree(SUITE, new byte[32], 4, new RatchetLimits(10, 2));
        KeyAndNonce k5 = t.keyForGeneration(1, RatchetType.APPLICATION, 5);
        assertThat(k5.generation()).isEqualTo(5);
        // Generations 3 and 4 remain in the window of 2; 0..2 were evicted.
        assertThat(t.keyForGeneration(1, RatchetType.APPLICATION, 4).generation()).isEqualTo(4);
        assertThatThrownBy(() -> t.keyForGeneration(1, RatchetType.APPLICATION, 4))
                .isInstanceOf(KeyUnavailableException.class);
        assertThatThrownBy(() -> t.keyForGeneration(1, RatchetType.APPLICATION, 1))
                .isInstanceOf(KeyUnavailableException.class);
        assertThatThrownBy(() -> t.keyForGeneration(1, RatchetType.APPLICATION, 5))
                .isInstanceOf(KeyUnavailableException.class);
        assertThat(t.keyForGeneration(1, RatchetType.APPLICATION, 3).key()).isNotEqualTo(k5.key());
    }

    @Test
    void rejectsHugeGenerationJumpBeforeDeriving() {
        SecretTree t = new SecretTree(SUITE, new byte[32], 2, RatchetLimits.DEFAULT);
        long start = System.nanoTime();
        assertThatThrownBy(() -> t.keyForGeneration(0, RatchetType.APPLICATION, 10_000_000L))
                .isInstanceOf(GenerationTooFarException.class);
        assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
        // Exactly at the limit is still accepted.
        assertThat(t.keyForGeneration(0, RatchetType.APPLICATION, 1000).generation()).isEqualTo(1000);
    }

    @Test
    void senderAndReceiverAgreeAndSenderKeysAdvance() {
        byte[] secret = CipherSuite.randomBytes(32);
        SecretTree sender = new SecretTree(SUITE, secret, 8, RatchetLimits.DEFAULT);
        SecretTree receiver = new SecretTree(SUITE, secret, 8, RatchetLimits.DEFAULT);
        KeyAndNonce a = sender.nextSendKey(3, RatchetType.APPLICATION);
        KeyAndNonce b = sender.nextSendKey(3, RatchetType.APPLICATION);
        assertThat(a.generation()).isEqualTo(0);
        assertThat(b.generation()).isEqualTo(1);
        assertThat(receiver.keyForGeneration(3, RatchetType.APPLICATION, 1).key()).isEqualTo(b.key());
        assertThat(receiver.keyForGeneration(3, RatchetType.APPLICATION, 0).key()).isEqualTo(a.key());
    }

    private static byte[] hex(JsonNode n, String field) {
        return HEX.parseHex(n.get(field).asString());
    }
}
