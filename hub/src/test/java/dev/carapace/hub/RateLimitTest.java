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
    void aLogBatchCostsOneRequestPerEnvelope() throws Exception {
        RateLimiter.Limits limits = new RateLimiter.Limits(1000, Map.of(RateLimiter.Tier.NEW, 20,
                RateLimiter.Tier.ANONYMOUS, 50, RateLimiter.Tier.VERIFIED, 100, RateLimiter.Tier.TRUSTED, 500));
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir, null, limits)) {
            HubFixture.Party agent = f.agent(); // registration is the first of its twenty
            java.util.function.IntFunction<java.util.List<dev.carapace.crypto.Dsse.Envelope>> statements = n -> {
                java.util.List<dev.carapace.crypto.Dsse.Envelope> out = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    try {
                        out.add(new dev.carapace.crypto.InTotoStatement(java.util.List.of(
                                new dev.carapace.crypto.InTotoStatement.Subject("s" + i, "00".repeat(32))),
                                "https://carapace.dev/attestations/test/v1", Json.object())
                                .sign(agent.log().currentKeyId(), agent.key()));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }
                return out;
            };
            // A batch larger than the tier's whole minute can never pass: refused as such, not made to wait forever.
            Throwable tooBig = org.assertj.core.api.Assertions.catchThrowable(
                    () -> f.client.appendAllToLog(agent.signer(), statements.apply(21)));
            assertThat(((dev.carapace.client.HubException) tooBig).reason()).isEqualTo("batch_too_large");
            // 19 tokens were left before that refusal spent one; 16 envelopes take 16 of the 18 left.
            assertThat(f.client.appendAllToLog(agent.signer(), statements.apply(16))).hasSize(16);
            // Two are left (plus what refilled meanwhile, one per 3 s): a batch of twenty waits, and logs nothing.
            Throwable limited = org.assertj.core.api.Assertions.catchThrowable(
                    () -> f.client.appendAllToLog(agent.signer(), statements.apply(20)));
            assertThat(((dev.carapace.client.HubException) limited).status()).isEqualTo(429);
            assertThat(f.client.appendAllToLog(agent.signer(), statements.apply(1))).hasSize(1);
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
