package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.hub.Backend;
import dev.carapace.hub.HubFixture;
import dev.carapace.hub.limits.RateLimiter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13: identities are free, so limits per identity multiplied. Eleven fresh keys from one address got eleven
 * budgets, three fresh identities parked three quotas of upload parts, and unrouted paths were not limited at all.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class SybilBudgetAttackTest {
    @Parameter
    Backend backend;

    @TempDir
    Path dir;

    private static RateLimiter.Limits newTier(int perMinute) {
        Map<RateLimiter.Tier, Integer> tiers = new java.util.EnumMap<>(HubFixture.generousLimits().perTierPerMinute());
        tiers.put(RateLimiter.Tier.NEW, perMinute);
        return new RateLimiter.Limits(1_000_000, tiers);
    }

    @Test
    void freshIdentitiesFromOneAddressShareOneBudget() throws Exception {
        try (HubFixture f = new HubFixture(backend, dir, backend.freshDatabase(dir), newTier(10))) {
            List<HubFixture.Party> sybils = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sybils.add(f.agent()); // each registration spends one request of the shared budget
            }
            int admitted = sybils.size();
            for (int round = 0; round < 10; round++) {
                for (HubFixture.Party p : sybils) {
                    HttpResponse<byte[]> r = f.client.sendRaw("GET", "/v1/agents/" + p.id() + "/owner", new byte[0],
                            p.signer(), Map.of());
                    if (r.statusCode() != 429) {
                        admitted++;
                    }
                }
            }
            // One identity alone gets 10 a minute; three from the same address get those 10 between them.
            assertThat(admitted).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void unroutedPathsSpendTheAddressBudget() throws Exception {
        RateLimiter.Limits limits = new RateLimiter.Limits(3, HubFixture.generousLimits().perTierPerMinute());
        try (HubFixture f = new HubFixture(backend, dir, backend.freshDatabase(dir), limits)) {
            for (int i = 0; i < 3; i++) {
                assertThat(f.client.sendRaw("GET", "/no/such/path/" + i, new byte[0], null, Map.of()).statusCode())
                        .isEqualTo(404);
            }
            assertThat(f.client.sendRaw("GET", "/no/such/path", new byte[0], null, Map.of()).statusCode())
                    .isEqualTo(429);
        }
    }

    @Test
    void uploadPartsCountPerAddressNotPerKey() throws Exception {
        try (HubFixture f = new HubFixture(backend, dir)) {
            int limit = dev.carapace.hub.skills.SkillsApi.MAX_PARTS;
            int stored = 0;
            int refused = 0;
            for (int id = 0; id < 3; id++) {
                HubFixture.Party p = f.agent();
                String digest = String.format("%064x", id + 1);
                for (int part = 0; part < limit / 2 + 4; part++) {
                    HttpResponse<byte[]> r = f.client.sendRaw("PUT", "/v1/packages/" + digest + "/parts/" + part,
                            new byte[] {1, 2, 3}, p.signer(), Map.of("Content-Type", "application/octet-stream"));
                    if (r.statusCode() == 201) {
                        stored++;
                    } else {
                        assertThat(r.statusCode()).isEqualTo(409);
                        refused++;
                    }
                }
            }
            assertThat(stored).isEqualTo(limit);
            assertThat(refused).isEqualTo(3 * (limit / 2 + 4) - limit);
        }
    }

    @Test
    void storedMessageBytesCountPerAddressNotPerKey() throws Exception {
        try (HubFixture f = new HubFixture(backend, dir)) {
            // Bodies of almost 1 MiB: the hub charges what it is asked to store before checking it.
            byte[] body = ("{\"installation\":\"installation-1\",\"message\":\"" + "A".repeat((1 << 20) - 100)
                    + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String group = dev.carapace.crypto.Bytes.b64url(dev.carapace.crypto.Bytes.random(16));
            List<HubFixture.Party> sybils = List.of(f.agent(), f.agent(), f.agent());
            int sent = 0;
            int status = 0;
            long budget = dev.carapace.hub.messaging.MessagingApi.STORED_BYTES_PER_HOUR;
            while (sent * (long) body.length <= budget + body.length && status != 429) {
                HubFixture.Party p = sybils.get(sent % sybils.size());
                status = f.client.sendRaw("POST", "/v1/groups/" + group + "/messages", body, p.signer(), Map.of())
                        .statusCode();
                sent++;
            }
            // Three fresh keys from one address get one budget between them, not three.
            assertThat(status).isEqualTo(429);
            assertThat(sent * (long) body.length).isLessThanOrEqualTo(budget + body.length);
        }
    }
}
