package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Several processes on one home: {@code chat watch} runs in its own JVM while the same home's {@code send},
 * {@code invite}, {@code remove}, {@code update} and {@code id rotate} run in other JVMs (the real CLI main), round
 * after round. No process may write back an older state: afterwards every member agrees on the epoch and can send.
 */
class HomeConcurrencyTest {
    @TempDir
    Path dir;

    Hub hub;
    String url;
    final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0)
                .withLimits(RateLimiter.Limits.uniform(1_000_000)));
        url = hub.url().toString();
    }

    @AfterEach
    void tearDown() {
        processes.forEach(Process::destroyForcibly);
        hub.close();
    }

    private static CliTestSupport.Result ok(CliTestSupport.Result r) {
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        return r;
    }

    private CliTestSupport agent(String name) throws Exception {
        CliTestSupport cli = new CliTestSupport(Files.createDirectories(dir.resolve(name)));
        ok(cli.run("id", "new", "--name", name));
        ok(cli.run("agent", "register", "--hub", url));
        return cli;
    }

    private static String id(CliTestSupport cli) throws Exception {
        return Json.parse(ok(cli.run("id", "show", "--json")).out()).get("id").asString();
    }

    private JsonNode listed(CliTestSupport cli, String group) throws Exception {
        for (JsonNode g : Json.parse(ok(cli.run("chat", "list", "--json", "--hub", url)).out())) {
            if (g.get("group").asString().equals(group)) {
                return g;
            }
        }
        throw new AssertionError("group " + group + " is not listed");
    }

    @Test
    void watchRunningWhileOtherProcessesChangeTheSameHomeRollsNothingBack() throws Exception {
        CliTestSupport alice = agent("alice");
        CliTestSupport bob = agent("bob");
        CliTestSupport carol = agent("carol");
        String a = id(alice);
        String b = id(bob);
        String c = id(carol);
        ok(bob.run("contacts", "allow", a, "--hub", url));
        ok(carol.run("contacts", "allow", a, "--hub", url));
        ok(carol.run("contacts", "allow", b, "--hub", url));
        ok(bob.run("contacts", "allow", c, "--hub", url));
        String group = Json.parse(ok(alice.run("chat", "new", "--json", "--hub", url)).out()).get("group")
                .asString();
        ok(alice.run("chat", "invite", group, b, c, "--hub", url));

        Process watch = alice.start("chat", "watch", group, "--hub", url);
        processes.add(watch);
        watch.getOutputStream().close();
        CompletableFuture<String> watched = CliTestSupport.drainAsync(watch.getInputStream());
        CompletableFuture<String> watchErr = CliTestSupport.drainAsync(watch.getErrorStream());

        for (int round = 0; round < 2; round++) {
            // Bob's messages wake the watch, which then reads and writes Alice's state between her commands.
            ok(bob.run("chat", "send", group, "bob " + round + " a", "--hub", url));
            ok(alice.runProcess("chat", "send", group, "alice " + round, "--hub", url));
            ok(alice.runProcess("chat", "remove", group, c, "--hub", url));
            ok(bob.run("chat", "send", group, "bob " + round + " b", "--hub", url));
            ok(alice.runProcess("chat", "invite", group, c, "--hub", url));
            ok(alice.runProcess("chat", "update", group, "--hub", url));
            ok(bob.run("chat", "send", group, "bob " + round + " c", "--hub", url));
            ok(alice.runProcess("id", "rotate"));
            ok(bob.run("chat", "update", group, "--hub", url));
            ok(alice.runProcess("chat", "send", group, "alice " + round + " rotated", "--hub", url));
        }
        assertThat(watch.isAlive()).as("the watch still runs: " + (watch.isAlive() ? "" : watchErr.join()))
                .isTrue();
        watch.destroy();
        assertThat(watch.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(watched.join()).contains(b + ": bob 1 c");

        // Carol was offline all along: she takes the Welcomes and commits made before Alice's rotations now.
        for (CliTestSupport x : List.of(alice, bob, carol)) {
            ok(x.run("chat", "read", group, "--hub", url));
        }
        long epoch = listed(alice, group).get("epoch").asLong();
        for (CliTestSupport x : List.of(alice, bob, carol)) {
            JsonNode g = listed(x, group);
            assertThat(g.get("removed").asBoolean()).isFalse();
            assertThat(g.get("epoch").asLong()).isEqualTo(epoch);
            assertThat(g.get("members")).hasSize(3);
        }
        ok(alice.run("chat", "send", group, "from alice", "--hub", url));
        ok(bob.run("chat", "send", group, "from bob", "--hub", url));
        ok(carol.run("chat", "send", group, "from carol", "--hub", url));
        assertThat(ok(alice.run("chat", "read", group, "--hub", url)).out()).contains("from bob", "from carol");
        assertThat(ok(bob.run("chat", "read", group, "--hub", url)).out()).contains("from alice", "from carol");
        assertThat(ok(carol.run("chat", "read", group, "--hub", url)).out()).contains("from alice", "from bob");
    }
}
