package dev.carapace.hub.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets by key (an address, an identity, a claimer and target) whose memory stays bounded without ever
 * handing anyone a fresh budget. A bucket left alone for one whole refill period is full again, so it is
 * indistinguishable from a new one and is dropped; only such idle buckets are ever removed. When the table is full
 * of buckets still in use, keys not in it share 64 overflow buckets: a flood of new addresses or identities then
 * throttles itself, while every client already known keeps its own budget. (Clearing the table when it grew too
 * large would let whoever filled it reset everyone's limits.)
 */
public final class KeyedBuckets {
    private record Entry(Bucket bucket, long[] lastUsed) {}

    private final int capacity;
    private final Duration period;
    private final long periodNanos;
    private final int maxKeys;
    private final TimeMeter time;
    private final ConcurrentHashMap<String, Entry> buckets = new ConcurrentHashMap<>();
    /**
     * Shared by keys not in the table when it is full, chosen by a salted hash of the key: filling the table and
     * then spending one overflow bucket starves 1/64 of the newcomers, not all of them.
     */
    private final Bucket[] overflow = new Bucket[1 << 6];
    private final int salt = new java.security.SecureRandom().nextInt();
    private volatile long nextSweep;

    /**
     * @param capacity tokens a key may spend at once, refilled evenly over {@code period}
     * @param maxKeys  keys tracked individually; beyond it, newcomers share the overflow buckets
     */
    public KeyedBuckets(int capacity, Duration period, int maxKeys) {
        this(capacity, period, maxKeys, TimeMeter.SYSTEM_NANOTIME);
    }

    KeyedBuckets(int capacity, Duration period, int maxKeys, TimeMeter time) {
        if (capacity < 1 || maxKeys < 1 || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("capacity, period and maxKeys must be positive");
        }
        this.capacity = capacity;
        this.period = period;
        this.periodNanos = period.toNanos();
        this.maxKeys = maxKeys;
        this.time = time;
        for (int i = 0; i < overflow.length; i++) {
            overflow[i] = newBucket();
        }
        this.nextSweep = time.currentTimeNanos(); // nanoTime may be negative: compare by difference only
    }

    private Bucket newBucket() {
        return Bucket.builder().withCustomTimePrecision(time)
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, period).build()).build();
    }

    /** Takes one token for {@code key}; returns 0 when allowed, else the whole seconds to wait (at least 1). */
    public long tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Takes {@code tokens} (at most the capacity) for {@code key}, all or none; returns 0 when allowed, else the whole
     * seconds to wait until they are there (at least 1).
     */
    public long tryAcquire(String key, long tokens) {
        if (tokens < 1 || tokens > capacity) {
            throw new IllegalArgumentException("tokens must be 1 to the capacity");
        }
        ConsumptionProbe probe = bucketFor(key).tryConsumeAndReturnRemaining(tokens);
        if (probe.isConsumed()) {
            return 0;
        }
        return seconds(probe.getNanosToWaitForRefill());
    }

    /**
     * Takes {@code tokens} more for a request that already took {@code taken} (together at most the capacity), all or
     * none. When they are not there, the {@code taken} ones stay spent, as for any refused request (giving them back
     * let refused requests cost nothing), and the answer is the whole seconds until all {@code tokens + taken} are
     * there, so the same request sent again then passes.
     */
    public long tryAcquireMore(String key, long tokens, long taken) {
        if (tokens < 1 || taken < 0 || tokens + taken > capacity) {
            throw new IllegalArgumentException("tokens must be 1 to the capacity");
        }
        Bucket b = bucketFor(key);
        if (b.tryConsume(tokens)) {
            return 0;
        }
        return seconds(b.estimateAbilityToConsume(tokens + taken).getNanosToWaitForRefill());
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    private Bucket bucketFor(String key) {
        long now = time.currentTimeNanos();
        Entry e = buckets.get(key);
        if (e == null) {
            if (buckets.size() >= maxKeys) {
                sweep(now);
            }
            e = buckets.size() < maxKeys
                    ? buckets.computeIfAbsent(key, k -> new Entry(newBucket(), new long[1]))
                    : null;
        }
        if (e == null) {
            return overflow[overflowIndex(key)];
        }
        synchronized (e.lastUsed()) {
            e.lastUsed()[0] = now;
        }
        return e.bucket();
    }

    /**
     * The top 6 bits of the salted, multiplied hash: they depend on every bit of the key's hash and on the salt, so
     * which keys share a bucket differs from hub to hub. (The low bits of the product depend only on the low bits of
     * the hash: keys chosen with equal low bits would share a bucket under every salt.)
     */
    private int overflowIndex(String key) {
        return ((key.hashCode() ^ salt) * 0x9E3779B9) >>> (Integer.SIZE - 6);
    }

    /**
     * Drops buckets idle for a whole period (they are full again); at most once per 1/16 of a period. A request racing
     * the removal of its own idle bucket spends its token on the dropped (full) bucket: at most one token per
     * concurrent request, once per period.
     */
    private void sweep(long now) {
        if (now - nextSweep < 0) {
            return;
        }
        nextSweep = now + Math.max(1, periodNanos / 16);
        buckets.entrySet().removeIf(en -> {
            long[] last = en.getValue().lastUsed();
            synchronized (last) {
                return now - last[0] >= periodNanos;
            }
        });
    }

    /** Keys tracked individually right now (for tests and metrics). */
    public int trackedKeys() {
        return buckets.size();
    }
}
