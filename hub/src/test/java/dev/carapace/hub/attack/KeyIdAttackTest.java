package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, medium: key ids written {@code #00} or {@code #+0} were accepted as aliases of {@code #0}. A key id is
 * accepted only in its canonical form: the canonical agent id, '#', and the seq in decimal without sign or leading
 * zeros.
 */
class KeyIdAttackTest extends BackendTest {

    private RawRequest.Answer getOwnerSignedAs(HubFixture.Party agent, String keyid) throws Exception {
        String path = "/v1/agents/" + agent.id() + "/owner";
        return RawRequest.send(f.hub.url(), RawRequest.signed(f.hub.url(), "GET", path, new byte[0],
                new RawRequest.Signing(keyid), agent.key()));
    }

    @Test
    void onlyTheCanonicalKeyIdIsAccepted() throws Exception {
        HubFixture.Party agent = f.agent();
        for (String alias : new String[] {agent.id() + "#00", agent.id() + "#+0", agent.id() + "#-0",
                agent.id() + "# 0", agent.id().toUpperCase(Locale.ROOT) + "#0", " " + agent.id() + "#0",
                agent.id() + "#0x0", agent.id() + "#", agent.id() + "#99999999999999999999"}) {
            RawRequest.Answer a = getOwnerSignedAs(agent, alias);
            assertThat(a.status()).as(alias).isEqualTo(401);
            assertThat(a.reason()).as(alias).isEqualTo("malformed_keyid");
        }
        assertThat(getOwnerSignedAs(agent, agent.id() + "#0").status()).isEqualTo(404); // signed; no owner yet
    }
}
