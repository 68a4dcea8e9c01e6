package dev.carapace.mls.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.vectors.Vectors;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class KeyScheduleVectorTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void matchesMlswgKeyScheduleVectors() throws Exception {
        JsonNode cases = Vectors.load("key-schedule");
        int checked = 0;
        for (JsonNode c : cases) {
            Optional<CipherSuite> maybe = CipherSuite.byId(c.get("cipher_suite").asInt());
            if (maybe.isEmpty()) {
                continue;
            }
            CipherSuite s = maybe.get();
            byte[] groupId = hex(c, "group_id");
            byte[] init = hex(c, "initial_init_secret");
            long epoch = 0;
            for (JsonNode e : c.get("epochs")) {
                String ctx = "suite " + s.id() + " epoch " + epoch;
                byte[] gc = new GroupContext(s, groupId, epoch, hex(e, "tree_hash"),
                        hex(e, "confirmed_transcript_hash"), new byte[0]).encode();
                assertThat(gc).as(ctx + " group_context").isEqualTo(hex(e, "group_context"));
                EpochSecrets es = EpochSecrets.derive(s, init, hex(e, "commit_secret"), hex(e, "psk_secret"), gc);
                assertThat(es.joinerSecret()).as(ctx + " joiner").isEqualTo(hex(e, "joiner_secret"));
                assertThat(es.welcomeSecret()).as(ctx + " welcome").isEqualTo(hex(e, "welcome_secret"));
                assertThat(es.initSecret()).as(ctx + " init").isEqualTo(hex(e, "init_secret"));
                assertThat(es.senderDataSecret()).as(ctx).isEqualTo(hex(e, "sender_data_secret"));
                assertThat(es.encryptionSecret()).as(ctx).isEqualTo(hex(e, "encryption_secret"));
                assertThat(es.exporterSecret()).as(ctx).isEqualTo(hex(e, "exporter_secret"));
                assertThat(es.epochAuthenticator()).as(ctx).isEqualTo(hex(e, "epoch_authenticator"));
                assertThat(es.externalSecret()).as(ctx).isEqualTo(hex(e, "external_secret"));
                assertThat(es.confirmationKey()).as(ctx).isEqualTo(hex(e, "confirmation_key"));
                assertThat(es.membershipKey()).as(ctx).isEqualTo(hex(e, "membership_key"));
                assertThat(es.resumptionPsk()).as(ctx).isEqualTo(hex(e, "resumption_psk"));
                assertThat(es.externalPublicKey()).as(ctx + " external_pub").isEqualTo(hex(e, "external_pub"));
                JsonNode x = e.get("exporter");
                assertThat(es.export(x.get("label").asString(), hex(x, "context"), x.get("length").asInt()))
                        .as(ctx + " exporter").isEqualTo(hex(x, "secret"));
                init = es.initSecret();
                epoch++;
            }
            checked++;
        }
        assumeTrue(checked > 0, "no key-schedule case for a supported suite");
        assertThat(checked).isEqualTo(CipherSuite.values().length);
    }

    private static byte[] hex(JsonNode n, String field) {
        return HEX.parseHex(n.get(field).asString());
    }
}
