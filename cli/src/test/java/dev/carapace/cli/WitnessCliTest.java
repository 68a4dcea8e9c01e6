package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.tlog.Cosigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** A witness, a monitor and offline proofs, all through the CLI against a real hub. */
class WitnessCliTest {
    @TempDir
    Path dir;

    private static CliTestSupport.Result ok(CliTestSupport.Result r) {
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        return r;
    }

    @Test
    void witnessCosignsAndProofsVerifyOffline() throws Exception {
        Files.createDirectories(dir.resolve("w"));
        Files.createDirectories(dir.resolve("a"));
        CliTestSupport witness = new CliTestSupport(dir.resolve("w"));
        CliTestSupport agent = new CliTestSupport(dir.resolve("a"));
        String wkey = ok(witness.run("witness", "init", "--name", "witness.example/one")).out().strip();
        assertThat(ok(witness.run("witness", "vkey")).out().strip()).isEqualTo(wkey);

        try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0)
                .withWitnesses(List.of(Cosigner.parse(wkey))))) {
            String url = hub.url().toString();
            ok(agent.run("id", "new", "--name", "bot"));
            ok(agent.run("agent", "register", "--hub", url));
            Path file = dir.resolve("claim.txt");
            Files.writeString(file, "a claim");
            ok(agent.run("sign", file.toString()));
            assertThat(ok(agent.run("log", "append", file + ".dsse.json")).out()).contains("index 1");
            JsonNode cp = Json.parse(ok(agent.run("log", "checkpoint", "--json")).out());
            String logKey = cp.get("vkey").asString();

            var cosigned = ok(witness.run("witness", "run", "--hub", url, "--log-key", logKey, "--once"));
            assertThat(cosigned.out()).contains("cosigned checkpoint 2");
            JsonNode witnessed = Json.parse(ok(agent.run("log", "checkpoint", "--witness", wkey, "--json")).out());
            assertThat(witnessed.get("size").asLong()).isEqualTo(2);
            assertThat(witnessed.get("note").asString()).contains("\u2014 witness.example/one ");

            Path proof = dir.resolve("claim.tlog-proof");
            ok(agent.run("log", "proof", "1", "--witness", wkey, "-o", proof.toString()));
            // Offline: no --hub, and the hub is not asked.
            var valid = ok(agent.raw("log", "verify-proof", proof.toString(), "--log-key", logKey,
                    "--witness", wkey));
            assertThat(valid.out()).startsWith("valid tlog-proof proof: entry 1 is in ");
            ok(agent.raw("log", "verify-proof", proof.toString(), "--log-key", logKey,
                    "--entry", file + ".dsse.json"));
            var wrongEntry = agent.raw("log", "verify-proof", proof.toString(), "--log-key", logKey,
                    "--entry", file.toString());
            assertThat(wrongEntry.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
            Path tampered = dir.resolve("tampered.tlog-proof");
            Files.writeString(tampered, Files.readString(proof).replace("index 1", "index 0"));
            assertThat(agent.raw("log", "verify-proof", tampered.toString(), "--log-key", logKey).code())
                    .isEqualTo(ExitCodes.VERIFICATION_FAILED);

            var monitor = ok(agent.run("log", "monitor", "--once"));
            assertThat(monitor.out()).contains("checkpoint 2 ").contains("  1 application/vnd.in-toto+json");
            // A second pass resumes: nothing new to verify.
            assertThat(ok(agent.run("log", "monitor", "--once")).out()).contains("0 new entries");
        }
    }
}
