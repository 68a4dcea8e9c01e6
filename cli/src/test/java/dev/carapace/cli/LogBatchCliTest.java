package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A new identity logs 100 statements with one 'log append' against a hub with its default limits: the CLI sends
 * batches, each costing its size of the budget, and waits the limit out (issue 21).
 */
class LogBatchCliTest {
    @TempDir
    Path dir;

    Hub hub;

    @BeforeEach
    void setUp() throws Exception {
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void aNewIdentityAppendsAHundredStatementsWithTheDefaultLimits() throws Exception {
        CliTestSupport agent = new CliTestSupport(Files.createDirectories(dir.resolve("agent")));
        assertThat(agent.run("id", "new", "--name", "bot").code()).isZero();
        assertThat(agent.run("agent", "register", "--hub", hub.url().toString()).code()).isZero();
        int n = 100;
        List<String> appendArgs = new ArrayList<>(List.of("log", "append", "--json"));
        appendArgs.addAll(agent.signedStatements(dir, n));
        CliTestSupport.Result r = agent.run(appendArgs.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode logged = Json.parse(r.out());
        assertThat(logged.size()).isEqualTo(n);
        Set<Long> indexes = new HashSet<>();
        for (int i = 0; i < n; i++) {
            assertThat(logged.get(i).get("file").asString()).isEqualTo(dir.resolve("s" + i + ".txt") + ".dsse.json");
            indexes.add(logged.get(i).get("index").asLong());
        }
        assertThat(indexes).hasSize(n);
    }
}
