package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.HubFixture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 13, critical 2: a rotated-out key still worked on the routes that carry their key in the body. After an
 * owner-kind identity rotated to key #1, its seq-0 history signed by key #0 registered an owner profile with the
 * attacker's email. A body-carried history older than the stored one, or any key but the current one, is refused.
 */
class StaleKeyAttackTest extends BackendTest {

    private record Rotated(HubFixture.Party before, KeyEventLog after, Ed25519KeyPair currentKey) {}

    private Rotated rotatedIdentity(String kind) throws Exception {
        HubFixture.Party p = HubFixture.party(kind);
        f.client.register(p.log(), p.key());
        KeyEventLog rotated = p.log().rotate(p.next(), Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        f.client.publishKeyEvents(rotated, p.next());
        return new Rotated(p, rotated, p.next());
    }

    private static void assertStale(ThrowingRunnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.reason()).isEqualTo("stale_key");
        });
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void anOldHistorySignedByTheRotatedOutKeyCannotRegisterTheOwner() throws Exception {
        Rotated r = rotatedIdentity("owner");
        HubFixture.Party thief = r.before(); // holds key #0 only
        assertStale(() -> f.client.registerOwner(thief.log(), thief.key(), "attacker@evil.example", "Mallory"));

        // Nothing was planted: the real owner, on key #1, registers the profile and reads back its own email.
        Signer owner = Signer.current(r.after(), r.currentKey());
        assertThatThrownBy(() -> f.client.ownerProfile(owner, r.after().id().toString()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(404));
        f.client.registerOwner(r.after(), r.currentKey(), "owner@example.org", "Owner");
        assertThat(f.client.ownerProfile(owner, r.after().id().toString()).get("email").asString())
                .isEqualTo("owner@example.org");
    }

    @Test
    void anOldHistoryIsRefusedOnEveryRouteThatCarriesOne() throws Exception {
        Rotated r = rotatedIdentity("agent");
        HubFixture.Party thief = r.before();
        ObjectNode body = Json.object();
        body.set("identity", thief.log().toJson());
        Signer old = thief.signer();
        assertStale(() -> f.client.send("POST", "/v1/identities", body, old));
        assertStale(() -> f.client.send("POST", "/v1/identities/" + thief.id() + "/events", body, old));
        // The current history, signed by the current key, still reaches the routes (and is already there).
        assertThatThrownBy(() -> f.client.register(r.after(), r.currentKey()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason())
                        .isEqualTo("already_registered"));
    }

    @Test
    void theCurrentHistorySignedByAnOldKeyIsRefused() throws Exception {
        Rotated r = rotatedIdentity("owner");
        // The thief found the current history on the hub, but signs with key #0 under key id #1: the key is wrong.
        ObjectNode body = Json.object();
        body.set("identity", r.after().toJson());
        body.put("email", "attacker@evil.example");
        body.put("displayName", "Mallory");
        assertThatThrownBy(() -> f.client.send("POST", "/v1/owners", body,
                new Signer(r.after().currentKeyId(), r.before().key())))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("bad_signature"));
        // ... and under key id #0 with the current history: stale.
        assertStale(() -> f.client.send("POST", "/v1/owners", body, r.before().signer()));
    }
}
