package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import org.junit.jupiter.api.Test;

/** The refusals of {@code POST /v1/identities/{id}/events}: unknown identity, fork, not newer. */
class KeyEventsTest extends BackendTest {

    private static void assertRefused(ThrowingRunnable r, int status, String reason) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
            assertThat(e.reason()).isEqualTo(reason);
        });
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void keyEventsForAnIdentityTheHubDoesNotHoldAreNotFound() throws Exception {
        // A valid, properly signed rotation of an identity that was never registered here: nothing to extend.
        HubFixture.Party never = HubFixture.party("agent");
        KeyEventLog rotated = never.log().rotate(never.next(), Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        assertRefused(() -> f.client.publishKeyEvents(rotated, never.next()), 404, "not_found");
        // Nothing was stored on the way.
        assertThatThrownBy(() -> f.client.identity(never.id()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void aForkedHistoryIsAConflictAndLeavesTheStoredOneInPlace() throws Exception {
        HubFixture.Party agent = f.agent();
        KeyEventLog rotated = agent.log().rotate(agent.next(), Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        f.client.publishKeyEvents(rotated, agent.next());
        // The same key #1, rotated in from seq 0 again but committing to another next key: a second seq 1.
        KeyEventLog forked = agent.log().rotate(agent.next(), Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis() + 1);
        assertRefused(() -> f.client.publishKeyEvents(forked, agent.next()), 409, "fork");
        assertRefused(() -> f.client.publishKeyEvents(rotated, agent.next()), 409, "not_newer");
        assertThat(f.client.identity(agent.id()).currentSeq()).isEqualTo(1);
        assertThat(f.client.identity(agent.id()).currentKeyId()).isEqualTo(rotated.currentKeyId());
    }
}
