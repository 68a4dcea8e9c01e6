package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The owner and agent commands against a real hub. */
class HubCliTest {
    @TempDir
    Path dir;

    Hub hub;
    CliTestSupport agent;
    CliTestSupport owner;

    @BeforeEach
    void setUp() throws Exception {
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("o"));
        agent = new CliTestSupport(dir.resolve("a"));
        owner = new CliTestSupport(dir.resolve("o"));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private String id(CliTestSupport cli) throws Exception {
        return Json.parse(cli.run("id", "show", "--json").out()).get("id").asString();
    }

    private CliTestSupport.Result ok(CliTestSupport.Result r) {
        assertThat(r.code()).as(r.err()).isZero();
        return r;
    }

    @Test
    void ownerLifecycleThroughTheCli() throws Exception {
        String url = hub.url().toString();
        ok(agent.run("id", "new", "--name", "bot"));
        ok(owner.run("id", "new", "--name", "me", "--kind", "owner"));
        String agentId = id(agent);
        String ownerId = id(owner);

        ok(agent.run("agent", "register", "--hub", url));
        ok(owner.run("owner", "register", "--hub", url, "--email", "me@example.org", "--display-name", "Me"));
        Path consent = dir.resolve("consent.json");
        ok(agent.run("agent", "consent", ownerId, "--out", consent.toString()));
        ok(owner.run("owner", "link", agentId, "--consent", consent.toString()));

        JsonNode export = Json.parse(ok(owner.run("owner", "export")).out());
        assertThat(export.get("email").asString()).isEqualTo("me@example.org");
        assertThat(export.get("agents").get(0).asString()).isEqualTo(agentId);
        assertThat(ok(owner.run("owner", "access-log")).out()).contains("export").contains("by " + ownerId);

        // Rotation is published to the hub the identity registered with.
        assertThat(ok(agent.run("id", "rotate")).out()).contains("published the rotation");

        var refused = owner.run("owner", "delete");
        assertThat(refused.code()).isEqualTo(ExitCodes.USAGE);
        JsonNode receipt = Json.parse(ok(owner.run("owner", "delete", "--yes")).out());
        assertThat(receipt.get("receipt").get("payloadType").asString()).contains("deletion-receipt");
        var gone = owner.run("owner", "export");
        assertThat(gone.code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
        assertThat(gone.err()).contains("404");
    }

    @Test
    void masterKeyRotationOnAStoppedHub() throws Exception {
        ok(owner.run("id", "new", "--name", "me", "--kind", "owner"));
        ok(owner.run("owner", "register", "--hub", hub.url().toString(), "--email", "me@example.org",
                "--display-name", "Me"));
        String data = dir.resolve("hub").toString();
        var live = owner.raw("hub", "--data", data, "rotate-master-key");
        assertThat(live.code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
        assertThat(live.err()).contains("a hub is running");
        hub.close();
        String oldId;
        try (var files = java.nio.file.Files.list(dir.resolve("hub"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("master.key.retired-")))
                    .isEmpty();
        }
        var rotated = ok(owner.raw("hub", "--data", data, "rotate-master-key"));
        assertThat(rotated.out()).contains("1 owner data keys rewrapped");
        try (var files = java.nio.file.Files.list(dir.resolve("hub"))) {
            oldId = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("master.key.retired-"))
                    .findFirst().orElseThrow().substring("master.key.retired-".length());
        }
        assertThat(ok(owner.raw("hub", "--data", data, "retire-master-key", oldId, "--check")).out())
                .contains("still wraps 0 owner data key(s)");
        assertThat(ok(owner.raw("hub", "--data", data, "retire-master-key", oldId)).out()).contains("was deleted");
        assertThat(java.nio.file.Files.exists(dir.resolve("hub").resolve("master.key.retired-" + oldId))).isFalse();
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
        assertThat(ok(owner.run("owner", "export", "--hub", hub.url().toString())).out()).contains("me@example.org");
    }

    @Test
    void unreachableHubIsOneLine() throws Exception {
        ok(agent.run("id", "new", "--name", "bot"));
        var r = agent.run("agent", "register", "--hub", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(ExitCodes.IO_CONFIG_PASSPHRASE);
        assertThat(r.err().strip()).startsWith("carapace: cannot reach the hub").doesNotContain("\n");
    }

    @Test
    void signedFilesGoIntoTheLog() throws Exception {
        String url = hub.url().toString();
        ok(agent.run("id", "new", "--name", "bot"));
        ok(agent.run("agent", "register", "--hub", url));
        Path a = dir.resolve("a.txt");
        Path b = dir.resolve("b.txt");
        Files.writeString(a, "first");
        Files.writeString(b, "second");
        ok(agent.run("sign", a.toString(), b.toString()));
        var appended = ok(agent.run("log", "append", a + ".dsse.json", b + ".dsse.json"));
        // Index 0 is the agent's own inception event, logged at registration.
        assertThat(appended.out()).contains("index 1").contains("index 2");
        var cp = Json.parse(ok(agent.run("log", "checkpoint", "--json")).out());
        assertThat(cp.get("size").asLong()).isEqualTo(3);
    }
}
