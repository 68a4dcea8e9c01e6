package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several hub processes on one PostgreSQL serve one network: what one accepts, the others show. */
class MultiHubTest {
    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    @Test
    void whatOneHubAcceptsTheOtherShows() throws Exception {
        String db = Backend.POSTGRESQL.freshDatabase(dirA);
        try (HubFixture a = new HubFixture(Backend.POSTGRESQL, dirA, db, HubFixture.generousLimits())) {
            // The hubs of one network share the master key (here by copying the file; in production by the env).
            Files.copy(dirA.resolve("master.key"), dirB.resolve("master.key"), StandardCopyOption.COPY_ATTRIBUTES);
            try (HubFixture b = new HubFixture(Backend.POSTGRESQL, dirB, db, HubFixture.generousLimits())) {
                HubFixture.Party owner = a.owner("shared@example.org", "Shared");
                HubFixture.Party agent = a.agent();
                a.link(owner, agent);

                HubClient viaB = b.client;
                assertThat(viaB.identity(agent.id()).id().toString()).isEqualTo(agent.id());
                assertThat(viaB.ownerProfile(owner.signer(), owner.id()).get("email").asString())
                        .isEqualTo("shared@example.org");
                assertThat(viaB.agentOwner(agent.signer(), agent.id()).get("owner").asString()).isEqualTo(owner.id());

                // A rotation accepted by B retires the old key on A too.
                KeyEventLog rotated = agent.log().rotate(agent.next(), Ed25519KeyPair.generate().publicKey(),
                        System.currentTimeMillis());
                viaB.publishKeyEvents(rotated, agent.next());
                assertThatThrownBy(() -> a.client.agentOwner(agent.signer(), agent.id()))
                        .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("stale_key"));
                // And the same history posted to A again is not newer: one order for both.
                assertThatThrownBy(() -> a.client.publishKeyEvents(rotated, agent.next()))
                        .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("not_newer"));
            }
        }
    }
}
