package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.hub.Backend;
import dev.carapace.hub.BackendTest;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.HubFixture;
import dev.carapace.hub.owners.MasterKeyring;
import dev.carapace.hub.owners.OwnerService;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.JdbcOwnerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 (medium): {@code carapace hub rotate-master-key} ran against a live hub, which went on wrapping new owners'
 * data keys under the key the rotation then retired, so after a restart the hub could not read them (503); and the
 * help told the operator to destroy the retired key, which would have lost that data for good.
 */
class MasterKeyRotationAttackTest extends BackendTest {

    private HubConfig offline() {
        return HubConfig.defaults(dir).withDb(f.dbUrl);
    }

    @Test
    void rotationRefusesWhileAHubHoldsTheDataFolder() throws Exception {
        HubFixture.Party owner = f.owner("live@example.org", "Live");
        String before = Files.readString(dir.resolve("master.key"));
        assertThatThrownBy(() -> Hub.rotateMasterKey(offline())).isInstanceOf(Hub.StartException.class)
                .hasMessageContaining("a hub is running");
        // Nothing changed: the running hub's key is still the key, and no half rotation is left behind.
        assertThat(Files.readString(dir.resolve("master.key"))).isEqualTo(before);
        assertThat(Files.exists(dir.resolve("master.key.next"))).isFalse();
        // The sequence: a new owner after the (refused) rotation, then a restart: everyone is readable.
        HubFixture.Party later = f.owner("later@example.org", "Later");
        f.close();
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
        assertThat(f.client.ownerProfile(owner.signer(), owner.id()).get("email").asString())
                .isEqualTo("live@example.org");
        assertThat(f.client.ownerProfile(later.signer(), later.id()).get("email").asString())
                .isEqualTo("later@example.org");
    }

    @Test
    void aSecondHubCannotHoldTheSameDataFolder() {
        assertThatThrownBy(() -> Hub.start(HubConfig.defaults(dir).withPort(0).withDb(f.dbUrl)))
                .isInstanceOf(Hub.StartException.class).hasMessageContaining("hub.lock");
    }

    /** PostgreSQL: hubs with their own data folders share the database; rotation from any folder must see them. */
    @Test
    void rotationRefusesWhileAnyHubUsesTheSharedDatabase(@org.junit.jupiter.api.io.TempDir Path operatorDir)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(backend == Backend.POSTGRESQL,
                "only PostgreSQL is shared by several hubs");
        f.owner("shared@example.org", "Shared");
        Files.copy(dir.resolve("master.key"), operatorDir.resolve("master.key"));
        Files.setPosixFilePermissions(operatorDir.resolve("master.key"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> Hub.rotateMasterKey(HubConfig.defaults(operatorDir).withDb(f.dbUrl)))
                .isInstanceOf(Hub.StartException.class).hasMessageContaining("running on this database");
        f.close();
        assertThat(Hub.rotateMasterKey(HubConfig.defaults(operatorDir).withDb(f.dbUrl))).isEqualTo(1);
        f = new HubFixture(backend, operatorDir, f.dbUrl, HubFixture.generousLimits());
    }

    @Test
    void aHubGivenOnlyTheRetiredKeyRefusesToStartInsteadOfAnswering503() throws Exception {
        f.owner("o@example.org", "O");
        f.close();
        String old = Files.readString(dir.resolve("master.key")).trim();
        assertThat(Hub.rotateMasterKey(offline())).isEqualTo(1);
        HubConfig cfg = offline();
        HubConfig staleEnvironment = new HubConfig(cfg.name(), cfg.bind(), 0, dir, cfg.dbUrl(), null, null,
                false, old, HubFixture.generousLimits(), List.of(), null, cfg.clock());
        assertThatThrownBy(() -> Hub.start(staleEnvironment)).isInstanceOf(Hub.StartException.class)
                .hasMessageContaining("wrapped by master key(s) this hub does not have");
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
    }

    /**
     * A data key wrapped under the retired key (what the live hub of the issue wrote): the retired key cannot be
     * destroyed while it is needed, a restarted hub still reads that owner, and after a further rotation it can go.
     */
    @Test
    void theRetiredKeyIsDestroyedOnlyWhenNothingNeedsIt() throws Exception {
        HubFixture.Party first = f.owner("first@example.org", "First");
        f.close();
        byte[] old = Bytes.fromB64url(Files.readString(dir.resolve("master.key")).trim());
        String oldId = MasterKeyring.keyId(old);
        assertThat(Hub.rotateMasterKey(offline())).isEqualTo(1);
        assertThat(Hub.retireMasterKey(offline(), oldId, false)).isZero();

        // A straggler that still had the old key wraps one more owner's data key under it.
        HubFixture.Party straggler = HubFixture.party("owner");
        try (Database db = Database.open(f.dbUrl, dir); Ed25519KeyPair k = Ed25519KeyPair.generate()) {
            OwnerService stale = new OwnerService(db, new JdbcOwnerStore(db), MasterKeyring.fromKey(old), k, "stale");
            db.inTransaction(c -> stale.insert(c, straggler.id(), "straggler@example.org", "S", 1L));
        }
        assertThat(Hub.retireMasterKey(offline(), oldId, false)).isEqualTo(1);
        assertThatThrownBy(() -> Hub.retireMasterKey(offline(), oldId, true)).isInstanceOf(Hub.StartException.class)
                .hasMessageContaining("still wraps 1");
        assertThat(Files.exists(dir.resolve(MasterKeyring.RETIRED_PREFIX + oldId))).isTrue();

        // A hub started now loads the retired key to open with, so no owner is unreadable.
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
        assertThat(f.hub.owners().read(straggler.id(), "operator:test", "check", 2L).orElseThrow().email())
                .isEqualTo("straggler@example.org");
        assertThatThrownBy(() -> Hub.retireMasterKey(offline(), oldId, false)).isInstanceOf(Hub.StartException.class)
                .hasMessageContaining("a hub is running");
        f.close();

        // Rotating again rewraps the straggler too; then the old key is unused and goes.
        assertThat(Hub.rotateMasterKey(offline())).isEqualTo(2);
        assertThat(Hub.retireMasterKey(offline(), oldId, true)).isZero();
        assertThat(Files.exists(dir.resolve(MasterKeyring.RETIRED_PREFIX + oldId))).isFalse();
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
        assertThat(f.client.ownerProfile(first.signer(), first.id()).get("email").asString())
                .isEqualTo("first@example.org");
    }
}
