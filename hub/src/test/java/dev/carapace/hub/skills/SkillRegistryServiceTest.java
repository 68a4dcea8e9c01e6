package dev.carapace.hub.skills;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.store.JdbcSkillRegistryStore;
import dev.carapace.hub.store.SkillRegistryStore;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The registry's outcomes for claims, and that nothing is stored unless its statement was logged. */
class SkillRegistryServiceTest extends BackendTest {
    private SkillRegistryStore store;
    private SkillRegistry registry;

    private void open() {
        store = new JdbcSkillRegistryStore(f.hub.database());
        registry = new SkillRegistry(store, f.hub.log(), Clock.systemUTC(), SkillsApi.MAX_STATEMENTS_PER_VERSION);
    }

    private static Dsse.Envelope envelope(int payloadBytes) throws Exception {
        try (Ed25519KeyPair k = Ed25519KeyPair.generate()) {
            return Dsse.sign("application/vnd.in-toto+json", new byte[payloadBytes], "cara1test#0", k);
        }
    }

    @Test
    void aNamespaceIsClaimedOnceAndOnlyItsOwnerHearsItIsTheirs() throws Exception {
        open();
        assertThat(registry.claim("cara1alice", "acme", envelope(10), false))
                .isInstanceOfSatisfying(SkillRegistry.Claimed.class, c -> {
                    assertThat(c.owner()).isEqualTo("cara1alice");
                    assertThat(c.receipt().proof()).isNotNull();
                });
        assertThat(registry.claim("cara1alice", "acme", envelope(10), false))
                .isEqualTo(new SkillRegistry.AlreadyYours("acme"));
        assertThat(registry.claim("cara1mallory", "acme", envelope(10), true))
                .isEqualTo(new SkillRegistry.NotYourNamespace("acme"));
        assertThat(registry.claim("cara1mallory", "acrne", envelope(10), false))
                .isInstanceOf(SkillRegistry.Confusable.class);
        assertThat(store.namespace("acme")).hasValueSatisfying(n -> assertThat(n.owner()).isEqualTo("cara1alice"));
        assertThat(store.namespaces()).containsExactly("acme");
    }

    @Test
    void aClaimTheLogRefusesIsNotStored() throws Exception {
        open();
        long before = f.hub.log().server().checkpointedSize();
        assertThat(registry.claim("cara1alice", "bulky", envelope(70_000), false))
                .isInstanceOf(SkillRegistry.LogRefused.class);
        assertThat(store.namespace("bulky")).isEmpty();
        assertThat(f.hub.log().server().checkpointedSize()).isEqualTo(before);
    }
}
