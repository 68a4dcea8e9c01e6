package dev.carapace.hub.http;

import dev.carapace.hub.limits.HubLimits;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bytes of request bodies the hub holds in memory at once, per client address (an IPv4 address or an IPv6 /64) and in
 * all. A body is buffered before its route is known or its signature checked, so without this bound connections that
 * send all but the last byte of large bodies hold the heap hostage for the whole body deadline; capping connections
 * per address alone bounds one address, not the many an attacker holds. A body's declared length (the largest allowed
 * when undeclared) is reserved before a byte of it is read, and released once it has been answered.
 */
public final class BodyBudget {
    /** One address's share: sixteen full-size bodies in flight at once. */
    public static final long PER_ADDRESS_BYTES = HubLimits.BODY_BYTES_PER_ADDRESS;
    /**
     * The whole hub's, whatever number of addresses take part: a quarter of the heap the JVM may grow to (at least
     * 64 MiB), so that bodies in flight never starve the rest of the hub of memory.
     */
    public static final long HUB_BYTES = HubLimits.BODY_BYTES_HUB;

    /** The outcome of a reservation. */
    public enum Verdict { RESERVED, ADDRESS_FULL, HUB_FULL }

    private final long perAddress;
    private final long total;
    private final ConcurrentHashMap<String, Long> byAddress = new ConcurrentHashMap<>();
    private long reserved; // guarded by this

    public BodyBudget() {
        this(PER_ADDRESS_BYTES, HUB_BYTES);
    }

    public BodyBudget(long perAddress, long total) {
        this.perAddress = perAddress;
        this.total = total;
    }

    /** Reserves {@code bytes} for a body from {@code address}, or says whose budget is spent; all or nothing. */
    public synchronized Verdict reserve(String address, long bytes) {
        long mine = byAddress.getOrDefault(address, 0L);
        if (mine + bytes > perAddress) {
            return Verdict.ADDRESS_FULL;
        }
        if (reserved + bytes > total) {
            return Verdict.HUB_FULL;
        }
        byAddress.put(address, mine + bytes);
        reserved += bytes;
        return Verdict.RESERVED;
    }

    /** Gives back what {@link #reserve} took, exactly once per reservation. */
    public synchronized void release(String address, long bytes) {
        byAddress.computeIfPresent(address, (k, n) -> n <= bytes ? null : n - bytes);
        reserved -= bytes;
    }

    /** Bytes {@code address} holds reserved right now. */
    public synchronized long reservedBy(String address) {
        return byAddress.getOrDefault(address, 0L);
    }
}
