package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubClient;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.http.Route;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Walks every route of the routing table and proves that one party cannot read or change another's data: for each
 * non-public route, an attacker (agent or owner) aims the request at the victim's resources, signed with its own key.
 */
class AuthorizationTest extends BackendTest {

    @Test
    void noRouteLetsOnePartyReadOrChangeAnothersData() throws Exception {
        HubFixture.Party victimOwner = f.owner("victim@example.org", "Victim Owner");
        HubFixture.Party victimAgent = f.agent();
        f.link(victimOwner, victimAgent);
        HubFixture.Party attackerOwner = f.owner("attacker@example.org", "Attacker");
        HubFixture.Party attackerAgent = f.agent();

        List<String> checked = new ArrayList<>();
        for (Route r : f.hub.routes()) {
            if (r.auth() == Route.Auth.PUBLIC) {
                continue;
            }
            for (HubFixture.Party attacker : List.of(attackerOwner, attackerAgent)) {
                for (HubFixture.Party victim : List.of(victimOwner, victimAgent)) {
                    // Other path parameters (a package digest) name no party's data; any well-formed value will do.
                    String path = r.pattern().replace("{id}", victim.id()).replace("{installation}", "victimInstallation01")
                            .replace("{group}", "AAAAAAAAAAAAAAAAAAAAAA").replaceAll("\\{[a-z]+\\}", "0".repeat(64));
                    byte[] body = attackBody(r, attacker, victim);
                    var resp = f.client.sendRaw(r.method(), path, body, attacker.signer(), Map.of());
                    String what = attacker.log().kind() + " -> " + r.method() + " " + r.pattern() + " of "
                            + victim.log().kind();
                    String reply = new String(resp.body(), StandardCharsets.UTF_8);
                    assertThat(resp.statusCode()).as(what + ": " + reply).isBetween(400, 499);
                    assertThat(reply).as(what).doesNotContain("victim@example.org").doesNotContain("Victim Owner");
                    checked.add(what);
                }
            }
        }
        assertThat(checked).hasSizeGreaterThanOrEqualTo(4 * 9);

        // Nothing of the victim changed: its profile, links and key history are intact.
        var profile = f.client.ownerProfile(victimOwner.signer(), victimOwner.id());
        assertThat(profile.get("email").asString()).isEqualTo("victim@example.org");
        assertThat(f.client.agentOwner(victimAgent.signer(), victimAgent.id()).get("owner").asString())
                .isEqualTo(victimOwner.id());
        assertThat(f.client.identity(victimAgent.id()).currentSeq()).isZero();
        var log = f.client.accessLog(victimOwner.signer(), victimOwner.id()).get("entries");
        for (var e : log) {
            assertThat(e.get("actor").asString()).isEqualTo(victimOwner.id());
        }
    }

    /** The most plausible body an attacker would send to the route. */
    private byte[] attackBody(Route r, HubFixture.Party attacker, HubFixture.Party victim) throws Exception {
        ObjectNode body = Json.object();
        if (r.pattern().endsWith("/events")) {
            // The attacker's own rotated history, posted under the victim's id.
            KeyEventLog rotated = attacker.log().rotate(attacker.next(),
                    dev.carapace.crypto.Ed25519KeyPair.generate().publicKey(), System.currentTimeMillis());
            body.set("identity", rotated.toJson());
        } else if (r.pattern().endsWith("/agents") && r.method().equals("POST")) {
            body.set("consent", HubClient.linkConsent(attacker.log(), attacker.key(), victim.id()).toJson());
        } else if (r.method().equals("POST")) {
            body.set("identity", attacker.log().toJson());
        } else {
            return new byte[0];
        }
        return Json.compact(body).getBytes(StandardCharsets.UTF_8);
    }
}
