package dev.carapace.hub.limits;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

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
            return new Limits(HubLimits.REQUESTS_PER_ADDRESS_PER_MINUTE, Map.of(
                    Tier.NEW, HubLimits.REQUESTS_NEW_PER_MINUTE,
                    Tier.ANONYMOUS, HubLimits.REQUESTS_ANONYMOUS_PER_MINUTE,
                    Tier.VERIFIED, HubLimits.REQUESTS_VERIFIED_PER_MINUTE,
                    Tier.TRUSTED, HubLimits.REQUESTS_TRUSTED_PER_MINUTE));
        }

        /** One budget per minute for every address and tier: for tests and load tools that measure past the limits. */
        public static Limits uniform(int perMinute) {
            return new Limits(perMinute, Map.of(Tier.NEW, perMinute, Tier.ANONYMOUS, perMinute, Tier.VERIFIED, perMinute,
                    Tier.TRUSTED, perMinute));
        }
    }

    /** Addresses, or identities per tier, with a bucket of their own; more share one (see KeyedBuckets). */
    static final int MAX_KEYS = HubLimits.RATE_LIMIT_KEYS;

    private final Limits limits;
    private final KeyedBuckets perIp;
    private final Map<Tier, KeyedBuckets> perTier = new EnumMap<>(Tier.class);

    public RateLimiter(Limits limits) {
        this.limits = limits;
        this.perIp = new KeyedBuckets(limits.perIpPerMinute(), Duration.ofMinutes(1), MAX_KEYS);
        for (Tier t : Tier.values()) {
            perTier.put(t, new KeyedBuckets(limits.perTierPerMinute().get(t), Duration.ofMinutes(1), MAX_KEYS));
        }
    }

    public Limits limits() {
        return limits;
    }

    /** Takes one token; returns 0 when allowed, else the seconds to wait. */
    public long tryAcquireIp(String ip) {
        return perIp.tryAcquire(ip);
    }

    public long tryAcquireIdentity(String id, Tier tier) {
        return perTier.get(tier).tryAcquire(id);
    }

    /** {@link KeyedBuckets#tryAcquireMore} on the identity's bucket of its tier. */
    public long tryAcquireIdentityMore(String id, Tier tier, long tokens, long taken) {
        return perTier.get(tier).tryAcquireMore(id, tokens, taken);
    }
}
