package dev.carapace.hub.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per client address and per identity. An identity's bucket depends on its tier: {@code NEW} for
 * identities younger than a day (so minting keys buys no capacity), {@code ANONYMOUS} for agents no owner has
 * claimed, {@code VERIFIED} for agents linked to an owner, {@code TRUSTED} for those reputation vouches for.
 * Limits are per hub process; several processes behind one address each apply them.
 */
public final class RateLimiter {
    public enum Tier { NEW, ANONYMOUS, VERIFIED, TRUSTED }

    /** Requests per minute for each tier and for each client address. */
    public record Limits(int perIpPerMinute, Map<Tier, Integer> perTierPerMinute) {
        public static Limits defaults() {
            return new Limits(600, Map.of(Tier.NEW, 60, Tier.ANONYMOUS, 120, Tier.VERIFIED, 600, Tier.TRUSTED, 3000));
        }
    }

    private final Limits limits;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Takes one token; returns 0 when allowed, else the seconds to wait. */
    public long tryAcquireIp(String ip) {
        return take("ip:" + ip, limits.perIpPerMinute());
    }

    public long tryAcquireIdentity(String id, Tier tier) {
        return take(tier.name() + ":" + id, limits.perTierPerMinute().get(tier));
    }

    private long take(String key, int perMinute) {
        if (buckets.size() > 1_000_000) {
            buckets.clear(); // bounded memory under a flood of addresses; limits restart, which is fail-soft
        }
        Bucket b = buckets.computeIfAbsent(key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1))
                        .build())
                .build());
        ConsumptionProbe probe = b.tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return 0;
        }
        return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
    }
}
