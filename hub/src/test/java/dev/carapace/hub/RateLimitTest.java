package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RateLimitTest {
    @TempDir
    Path dir;

    @Test
    void newIdentitiesStartSlowAndGet429WithRetryAfter() throws Exception {
        RateLimiter.Limits limits = new RateLimiter.Limits(1000, Map.of(RateLimiter.Tier.NEW, 5,
                RateLimiter.Tier.ANONYMOUS, 50, RateLimiter.Tier.VERIFIED, 100, RateLimiter.Tier.TRUSTED, 500));
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir, null, limits)) {
            HubFixture.Party agent = f.agent(); // registration is the first of its five
            int ok = 0;
            var last = f.client.sendRaw("GET", "/v1/agents/" + agent.id() + "/owner", new byte[0], agent.signer(),
                    Map.of());
            while (last.statusCode() != 429 && ok < 50) {
                ok++;
                last = f.client.sendRaw("GET", "/v1/agents/" + agent.id() + "/owner", new byte[0], agent.signer(),
                        Map.of());
            }
            assertThat(ok).isEqualTo(4);
            assertThat(last.statusCode()).isEqualTo(429);
            assertThat(Long.parseLong(last.headers().firstValue("Retry-After").orElseThrow())).isPositive();
            assertThat(Json.parse(last.body()).get("reason").asString()).isEqualTo("rate_limited");

            // A second new identity from the same address shares that budget: minting keys buys no capacity, so
            // even its registration waits.
            HubFixture.Party other = HubFixture.party("agent");
            Throwable registration = org.assertj.core.api.Assertions.catchThrowable(
                    () -> f.client.register(other.log(), other.key()));
            assertThat(((dev.carapace.client.HubException) registration).status()).isEqualTo(429);
        }
    }

    @Test
    void perAddressLimitAppliesToAnonymousReads() throws Exception {
        RateLimiter.Limits limits = new RateLimiter.Limits(3, HubFixture.generousLimits().perTierPerMinute());
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir, null, limits)) {
            for (int i = 0; i < 3; i++) {
                assertThat(f.client.sendRaw("GET", "/healthz", new byte[0], null, Map.of()).statusCode())
                        .isEqualTo(200);
            }
            assertThat(f.client.sendRaw("GET", "/healthz", new byte[0], null, Map.of()).statusCode()).isEqualTo(429);
        }
    }
}
