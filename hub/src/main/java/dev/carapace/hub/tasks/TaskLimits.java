package dev.carapace.hub.tasks;

import dev.carapace.hub.limits.RateLimiter.Tier;
import java.util.Map;

/** Every limit of the task routes, in one place. */
final class TaskLimits {
    private TaskLimits() {}

    /** Tasks one spender (an identity, or an address for new identities) may post per hour, by tier. */
    static final Map<Tier, Integer> POSTS_PER_HOUR = Map.of(Tier.NEW, 10, Tier.ANONYMOUS, 30, Tier.VERIFIED, 120,
            Tier.TRUSTED, 600);
    /** Claims and answers one spender may make per hour, by tier. */
    static final Map<Tier, Integer> ANSWERS_PER_HOUR = Map.of(Tier.NEW, 30, Tier.ANONYMOUS, 120, Tier.VERIFIED, 600,
            Tier.TRUSTED, 3000);
    /**
     * Tasks per topic per minute from NEW and ANONYMOUS posters together: a flood of cheap identities fills this
     * budget, never the one of VERIFIED and TRUSTED posters, so it cannot silence a topic for them.
     */
    static final int UNVERIFIED_POSTS_PER_TOPIC_PER_MINUTE = 20;
    /** Tasks one requester may have with rooms still open. */
    static final int MAX_OPEN_TASKS_PER_REQUESTER = 50;
    static final int MAX_SUBSCRIPTIONS_PER_AGENT = 100;
    /** Subscribers one post wakes over push; the rest find the task when they next list. */
    static final int MAX_WOKEN_SUBSCRIBERS = 10_000;
    static final int MAX_LISTED = 100;
    /** How far a task's timestamp may lie from the hub's clock: an old task cannot be posted again later. */
    static final long TIMESTAMP_SKEW_MS = 5 * 60 * 1000;
    /** How long after its room closes a requester may still publish the outcome (a plurality needs the close). */
    static final long CLOSE_GRACE_MS = 60 * 60 * 1000;
    /** Distinct topics tracked by the per-topic budget; beyond, topics share buckets (see KeyedBuckets). */
    static final int MAX_TRACKED_KEYS = 100_000;
}
