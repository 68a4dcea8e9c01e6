package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.chat.ChatClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 13: one fresh stranger took all ten of an agent's one-time KeyPackages in 35 claims. A claimer now gets at
 * most a small share of anyone's one-time supply and the last-resort KeyPackage beyond it; clients top up on their own.
 */
class KeyPackageDrainAttackTest extends BackendTest {
    private ChatClient chat(HubFixture.Party p) throws Exception {
        ChatClient c = ChatClient.open(f.client, p.log(), p.key(), dir.resolve("chat-" + p.id()), Bytes.random(32));
        c.publishKeyPackages();
        return c;
    }

    private int available(HubFixture.Party p, ChatClient c) throws Exception {
        return f.client.send("GET", "/v1/key-packages/" + c.installationId(), null, p.signer()).path("available")
                .asInt();
    }

    /** Claims as {@code claimer}; returns how many one-time KeyPackages the claims took. */
    private int claim(HubFixture.Party claimer, HubFixture.Party target, int times) throws Exception {
        int oneTime = 0;
        for (int i = 0; i < times; i++) {
            HttpResponse<byte[]> r = f.client.sendRaw("POST", "/v1/agents/" + target.id() + "/key-packages/claim",
                    "{}".getBytes(), claimer.signer(), Map.of());
            if (r.statusCode() != 200) {
                continue;
            }
            for (JsonNode kp : Json.parse(r.body()).path("keyPackages")) {
                if (!kp.path("lastResort").asBoolean()) {
                    oneTime++;
                }
            }
        }
        return oneTime;
    }

    @Test
    void oneStrangerCannotDrainTheSupply() throws Exception {
        HubFixture.Party target = f.agent();
        ChatClient t = chat(target);
        int supply = available(target, t);
        HubFixture.Party stranger = f.agent();
        int taken = claim(stranger, target, 35);
        assertThat(taken).isLessThanOrEqualTo(2);
        assertThat(available(target, t)).isGreaterThanOrEqualTo(supply - 2);
    }

    @Test
    void freshIdentitiesFromOneAddressShareOneShare() throws Exception {
        HubFixture.Party target = f.agent();
        ChatClient t = chat(target);
        int supply = available(target, t);
        int taken = 0;
        for (int i = 0; i < 8; i++) {
            taken += claim(f.agent(), target, 3);
        }
        assertThat(taken).isLessThanOrEqualTo(2);
        assertThat(available(target, t)).isGreaterThanOrEqualTo(supply - 2);
    }

    @Test
    void clientsTopTheirSupplyUpOnTheirOwn() throws Exception {
        HubFixture.Party target = f.agent();
        ChatClient t = chat(target);
        int supply = available(target, t);
        assertThat(claim(f.agent(), target, 2)).isPositive();
        assertThat(available(target, t)).isLessThan(supply);
        t.sync(); // an ordinary sync notices the lower supply and uploads fresh KeyPackages
        assertThat(available(target, t)).isEqualTo(supply);
    }
}
