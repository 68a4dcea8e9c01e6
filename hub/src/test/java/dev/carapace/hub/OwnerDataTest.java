package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519PublicKey;
import dev.carapace.crypto.Json;
import dev.carapace.hub.owners.MasterKeyring;
import dev.carapace.hub.owners.OwnerService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class OwnerDataTest extends BackendTest {

    @Test
    void registerLinkExportAccessLogAndDelete() throws Exception {
        HubFixture.Party owner = f.owner("ada@example.org", "Ada Lovelace");
        HubFixture.Party agent = f.agent();
        f.link(owner, agent);

        JsonNode profile = f.client.ownerProfile(owner.signer(), owner.id());
        assertThat(profile.get("email").asString()).isEqualTo("ada@example.org");
        assertThat(profile.get("displayName").asString()).isEqualTo("Ada Lovelace");

        JsonNode export = f.client.export(owner.signer(), owner.id());
        assertThat(export.get("email").asString()).isEqualTo("ada@example.org");
        assertThat(export.get("agents").get(0).asString()).isEqualTo(agent.id());
        List<String> actions = new ArrayList<>();
        export.get("accessLog").forEach(e -> actions.add(e.get("action").asString()));
        assertThat(actions).containsExactly("link", "read", "export");

        // An operator tool reading the data shows up in the owner's log too.
        f.hub.owners().read(owner.id(), "operator:support", "operator-read", System.currentTimeMillis());
        JsonNode log = f.client.accessLog(owner.signer(), owner.id()).get("entries");
        assertThat(log.get(log.size() - 1).get("actor").asString()).isEqualTo("operator:support");

        JsonNode receipt = f.client.deleteOwner(owner.signer(), owner.id()).get("receipt");
        Dsse.Envelope env = Dsse.fromJson(receipt);
        Ed25519PublicKey hubKey = Ed25519PublicKey.fromB64url(f.client.wellKnown().get("keys").get("signing")
                .asString());
        Dsse.verify(env, k -> hubKey, 1);
        JsonNode statement = Json.parse(env.payload());
        assertThat(statement.get("owner").asString()).isEqualTo(owner.id());
        assertThat(statement.get("unlinkedAgents").get(0).asString()).isEqualTo(agent.id());

        assertThatThrownBy(() -> f.client.ownerProfile(owner.signer(), owner.id()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> f.client.agentOwner(agent.signer(), agent.id()))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void consentMustComeFromTheAgent() throws Exception {
        HubFixture.Party owner = f.owner("o@example.org", "O");
        HubFixture.Party agent = f.agent();
        HubFixture.Party other = f.agent();
        // A consent signed by another agent, claiming to be this agent's, is refused.
        var forged = dev.carapace.client.HubClient.linkConsent(agent.log(), other.key(), owner.id());
        assertThatThrownBy(() -> f.client.link(owner.signer(), owner.id(), forged))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(403));
        f.link(owner, agent);
        HubFixture.Party thief = f.owner("t@example.org", "T");
        var consent = dev.carapace.client.HubClient.linkConsent(agent.log(), agent.key(), thief.id());
        assertThatThrownBy(() -> f.client.link(thief.signer(), thief.id(), consent))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("already_linked"));
    }

    @Test
    void masterKeyRotationRewrapsEveryDataKey() throws Exception {
        HubFixture.Party owner = f.owner("rot@example.org", "Rotating");
        f.close();
        // Rotation: the new key goes to master.key.next; the hub wraps with it and still opens the old wraps.
        Path next = dir.resolve("master.key.next");
        Files.writeString(next, dev.carapace.crypto.Bytes.b64url(dev.carapace.crypto.Bytes.random(32)) + "\n");
        Files.setPosixFilePermissions(next, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
        assertThat(f.hub.owners().rewrapAll()).isEqualTo(new OwnerService.Rewrapped(1));
        f.close();
        Files.move(next, dir.resolve("master.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
        assertThat(MasterKeyring.load(dir, null).currentId()).isNotBlank();
        assertThat(f.client.ownerProfile(owner.signer(), owner.id()).get("email").asString())
                .isEqualTo("rot@example.org");
    }

    @Test
    void rotateMasterKeyRunsTheWholeRotationOffline() throws Exception {
        HubFixture.Party owner = f.owner("rot@example.org", "Rotating");
        f.owner("other@example.org", "Other");
        f.close();
        String before = Files.readString(dir.resolve("master.key"));
        HubConfig cfg = HubConfig.defaults(dir).withDb(f.dbUrl);
        assertThat(Hub.rotateMasterKey(cfg)).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("master.key"))).isNotEqualTo(before);
        assertThat(Files.exists(dir.resolve("master.key.next"))).isFalse();
        try (var retired = Files.list(dir)) {
            assertThat(retired.filter(p -> p.getFileName().toString().startsWith("master.key.retired-")))
                    .singleElement().satisfies(p -> assertThat(Files.readString(p)).isEqualTo(before));
        }
        assertThat(Hub.rotateMasterKey(cfg)).isEqualTo(2); // a second rotation rewraps again, under a third key
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
        assertThat(f.client.ownerProfile(owner.signer(), owner.id()).get("email").asString())
                .isEqualTo("rot@example.org");
        f.close();
        HubConfig fromEnvironment = new HubConfig(cfg.name(), cfg.bind(), cfg.port(), dir, cfg.dbUrl(), null, null,
                false, "a-key-from-the-environment", cfg.limits(), List.of(), null, cfg.clock());
        assertThatThrownBy(() -> Hub.rotateMasterKey(fromEnvironment)).isInstanceOf(Hub.StartException.class)
                .hasMessageContaining("CARAPACE_MASTER_KEY");
    }
}
