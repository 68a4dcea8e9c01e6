package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 13, medium: a link consent dated 9 minutes in the future was accepted (the age check took an absolute value),
 * and an agent-kind identity that is not a registered owner linked another agent. Consents dated ahead of the clock
 * beyond the skew allowed to signatures are refused, and only registered owners link.
 */
class LinkConsentAttackTest extends BackendTest {

    private static Dsse.Envelope consentAt(HubFixture.Party agent, String ownerId, long ts) throws Exception {
        ObjectNode st = Json.object();
        st.put("type", "carapace.owner-link.v1");
        st.put("owner", ownerId);
        st.put("agent", agent.id());
        st.put("ts", ts);
        return Dsse.sign(HubClient.LINK_CONSENT_TYPE, CanonicalJson.encode(st), agent.log().currentKeyId(),
                agent.key());
    }

    @Test
    void aConsentDatedInTheFutureIsRefused() throws Exception {
        HubFixture.Party owner = f.owner("o@example.org", "O");
        HubFixture.Party agent = f.agent();
        Dsse.Envelope future = consentAt(agent, owner.id(), System.currentTimeMillis() + 9 * 60_000);
        assertThatThrownBy(() -> f.client.link(owner.signer(), owner.id(), future))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.reason()).isEqualTo("invalid_consent");
                });
        // Within the clock skew, and in the past within ten minutes, consents are accepted.
        f.client.link(owner.signer(), owner.id(), consentAt(agent, owner.id(), System.currentTimeMillis() + 30_000));
        HubFixture.Party second = f.agent();
        f.client.link(owner.signer(), owner.id(), consentAt(second, owner.id(), System.currentTimeMillis() - 9 * 60_000));
    }

    @Test
    void anAgentCannotLinkAnotherAgent() throws Exception {
        HubFixture.Party impostor = f.agent();
        HubFixture.Party victim = f.agent();
        assertThatThrownBy(() -> f.client.link(impostor.signer(), impostor.id(),
                HubClient.linkConsent(victim.log(), victim.key(), impostor.id())))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.reason()).isEqualTo("not_an_owner");
                });
        assertThatThrownBy(() -> f.client.agentOwner(victim.signer(), victim.id()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void anOwnerKindIdentityThatIsNotARegisteredOwnerCannotLink() throws Exception {
        HubFixture.Party unregistered = HubFixture.party("owner");
        f.client.register(unregistered.log(), unregistered.key()); // an identity, but no owner profile
        HubFixture.Party agent = f.agent();
        assertThatThrownBy(() -> f.client.link(unregistered.signer(), unregistered.id(),
                HubClient.linkConsent(agent.log(), agent.key(), unregistered.id())))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("not_an_owner"));
    }
}
