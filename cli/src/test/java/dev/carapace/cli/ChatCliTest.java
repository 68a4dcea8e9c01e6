package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** carapace chat and contacts, two homes against one hub. */
class ChatCliTest {
    @TempDir
    Path dir;

    Hub hub;
    CliTestSupport alice;
    CliTestSupport bob;
    String url;

    @BeforeEach
    void setUp() throws Exception {
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0)
                .withLimits(RateLimiter.Limits.uniform(1_000_000)));
        url = hub.url().toString();
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        alice = new CliTestSupport(dir.resolve("a"));
        bob = new CliTestSupport(dir.resolve("b"));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private static CliTestSupport.Result ok(CliTestSupport.Result r) {
        assertThat(r.code()).as(r.err()).isZero();
        return r;
    }

    private String register(CliTestSupport cli, String name) throws Exception {
        ok(cli.run("id", "new", "--name", name));
        ok(cli.run("agent", "register", "--hub", url));
        return Json.parse(cli.run("id", "show", "--json").out()).get("id").asString();
    }

    @Test
    void twoAgentsTalkThroughTheCli() throws Exception {
        String a = register(alice, "alice");
        String b = register(bob, "bob");
        JsonNode created = Json.parse(ok(alice.run("chat", "new", "--name", "plans", "--json", "--hub", url)).out());
        String group = created.get("group").asString();
        ok(alice.run("chat", "invite", group, b, "--hub", url));
        ok(alice.run("chat", "send", group, "hello bob", "--hub", url));

        // Bob has not allowed Alice yet: the message is held in his request box.
        JsonNode first = Json.parse(ok(bob.run("chat", "read", group, "--json", "--hub", url)).out());
        assertThat(first.get("messages").isEmpty()).isTrue();
        assertThat(first.get("requests").asInt()).isEqualTo(1);
        assertThat(ok(bob.run("contacts", "requests", "--hub", url)).out()).contains("hello bob");
        ok(bob.run("contacts", "allow", a, "--hub", url));
        JsonNode read = Json.parse(ok(bob.run("chat", "read", group, "--json", "--hub", url)).out());
        assertThat(read.get("messages").get(0).get("text").asString()).isEqualTo("hello bob");
        assertThat(read.get("messages").get(0).get("sender").asString()).isEqualTo(a);

        ok(bob.run("chat", "update", group, "--hub", url));
        ok(bob.run("chat", "send", group, "hi alice", "--hub", url));
        assertThat(ok(alice.run("chat", "read", group, "--hub", url)).out()).contains(b + ": hi alice");
        assertThat(ok(alice.run("chat", "list", "--hub", url)).out()).contains(group + " (plans)");

        // Bob is not an admin: removing Alice is refused, with one line and no stack trace.
        CliTestSupport.Result refused = bob.run("chat", "remove", group, a, "--hub", url);
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("only an admin").doesNotContain("\tat ");

        ok(alice.run("chat", "remove", group, b, "--hub", url));
        ok(alice.run("chat", "send", group, "bob cannot read this", "--hub", url));
        assertThat(ok(bob.run("chat", "read", group, "--hub", url)).out()).doesNotContain("bob cannot read this");
        assertThat(ok(bob.run("chat", "list", "--hub", url)).out()).contains("no longer a member");

        ok(alice.run("contacts", "deny", b, "--hub", url));
        assertThat(bob.run("chat", "invite", group, a, "--hub", url).code()).isNotZero();
    }

    @Test
    void watchStopsWithItsOwnExitCodeWhenRemoved() throws Exception {
        String a = register(alice, "alice");
        String b = register(bob, "bob");
        ok(bob.run("contacts", "allow", a, "--hub", url));
        String group = Json.parse(ok(alice.run("chat", "new", "--json", "--hub", url)).out()).get("group").asString();
        ok(alice.run("chat", "invite", group, b, "--hub", url));
        ok(bob.run("chat", "read", group, "--hub", url));

        Process watch = bob.start("chat", "watch", group, "--hub", url);
        try {
            watch.getOutputStream().close();
            var out = CliTestSupport.drainAsync(watch.getInputStream());
            var err = CliTestSupport.drainAsync(watch.getErrorStream());
            ok(alice.run("chat", "send", group, "before the removal", "--hub", url));
            ok(alice.run("chat", "remove", group, b, "--hub", url));
            assertThat(watch.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("the watch stopped").isTrue();
            assertThat(watch.exitValue()).isEqualTo(ExitCodes.REMOVED);
            assertThat(err.join()).contains("removed from group " + group).doesNotContain("\tat ");
            assertThat(out.join()).contains("before the removal");
        } finally {
            watch.destroyForcibly();
        }
    }
}
