package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubClient;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, critical 1: a request signed for one hub was accepted by another, because the hub rebuilt
 * {@code @target-uri} from the Host header and nonces live per database. Each hub now knows its own origin and
 * refuses any other authority before verifying anything.
 */
class CrossHubReplayAttackTest extends BackendTest {
    @TempDir
    Path otherDir;

    @Test
    void aDeletionSignedForHubBIsRefusedByHubA() throws Exception {
        try (HubFixture b = new HubFixture(backend, otherDir)) {
            HubFixture.Party owner = f.owner("victim@example.org", "Victim");
            b.client.registerOwner(owner.log(), owner.key(), "victim@example.org", "Victim");

            String path = "/v1/owners/" + owner.id();
            byte[] forB = RawRequest.signed(b.hub.url(), "DELETE", path, new byte[0],
                    new RawRequest.Signing(owner.log().currentKeyId()), owner.key());
            assertThat(RawRequest.send(b.hub.url(), forB).status()).isEqualTo(200);

            // The same bytes, Host header included, replayed to hub A within the window.
            RawRequest.Answer replayed = RawRequest.send(f.hub.url(), forB);
            assertThat(replayed.status()).isEqualTo(421);
            assertThat(replayed.reason()).isEqualTo("wrong_authority");
            assertThat(f.client.ownerProfile(owner.signer(), owner.id()).get("email").asString())
                    .isEqualTo("victim@example.org");
        }
    }

    @Test
    void aRequestSignedForAnotherHubButSentWithThisHubsHostDoesNotVerify() throws Exception {
        try (HubFixture b = new HubFixture(backend, otherDir)) {
            HubFixture.Party owner = f.owner("victim@example.org", "Victim");
            String path = "/v1/owners/" + owner.id();
            var headers = RawRequest.signatureHeaders("DELETE", b.hub.url() + path, new byte[0],
                    new RawRequest.Signing(owner.log().currentKeyId()), owner.key());
            RawRequest.Answer a = RawRequest.send(f.hub.url(),
                    RawRequest.build("DELETE", path, f.hub.url().getRawAuthority(), headers, new byte[0]));
            assertThat(a.status()).isEqualTo(401);
            assertThat(a.reason()).isEqualTo("bad_signature");
        }
    }

    /** Strict: {@code localhost} is another name, not this hub's origin {@code http://127.0.0.1:port}. */
    @Test
    void anotherNameForTheHubsAddressIsNotItsOrigin() throws Exception {
        HubFixture.Party agent = f.agent();
        String path = "/v1/agents/" + agent.id() + "/owner";
        java.net.URI alias = java.net.URI.create("http://localhost:" + f.hub.port());
        byte[] viaAlias = RawRequest.signed(alias, "GET", path, new byte[0],
                new RawRequest.Signing(agent.log().currentKeyId()), agent.key());
        RawRequest.Answer a = RawRequest.send(f.hub.url(), viaAlias);
        assertThat(a.status()).isEqualTo(421);
        assertThat(a.reason()).isEqualTo("wrong_authority");
        // The hub's own origin works, as HubClient uses it.
        assertThat(new HubClient(f.hub.url()).send("GET", "/healthz", null, null).get("status").asString())
                .isEqualTo("ok");
        byte[] direct = RawRequest.signed(f.hub.url(), "GET", path, new byte[0],
                new RawRequest.Signing(agent.log().currentKeyId()), agent.key());
        assertThat(RawRequest.send(f.hub.url(), direct).status()).isEqualTo(404); // signed; the agent has no owner
    }
}
