package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A long command meets the hub's rate limit for new identities: it waits as Retry-After says, then goes on. */
class RateLimitCliTest {
    static final int NEW_PER_MINUTE = 30;

    @TempDir
    Path dir;

    Hub hub;

    @BeforeEach
    void setUp() throws Exception {
        int many = 1_000_000;
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0).withLimits(new RateLimiter.Limits(many,
                Map.of(RateLimiter.Tier.NEW, NEW_PER_MINUTE, RateLimiter.Tier.ANONYMOUS, many,
                        RateLimiter.Tier.VERIFIED, many, RateLimiter.Tier.TRUSTED, many))));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void logAppendOfMoreStatementsThanTheLimitWaitsAndFinishes() throws Exception {
        CliTestSupport agent = new CliTestSupport(Files.createDirectories(dir.resolve("agent")));
        assertThat(agent.run("id", "new", "--name", "bot").code()).isZero();
        assertThat(agent.run("agent", "register", "--hub", hub.url().toString()).code()).isZero();
        int n = NEW_PER_MINUTE + 6;
        List<String> appendArgs = new ArrayList<>(List.of("log", "append"));
        appendArgs.addAll(agent.signedStatements(dir, n));
        CliTestSupport.Result r = agent.run(appendArgs.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.contains(": index ")).count()).isEqualTo(n);
        // No terminal here: the wait is one line on stderr (the countdown is for terminals).
        assertThat(r.err()).contains("the hub limits requests; sending again in");
    }
}
