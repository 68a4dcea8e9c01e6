package dev.carapace.hub.reputation;

import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.reputation.LogFacts;
import dev.carapace.reputation.Parameters;
import dev.carapace.reputation.Reputation;
import dev.carapace.reputation.Scores;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;

/**
 * The hub's reputation scores, computed from its own log's checkpointed prefix. Each log entry is read once
 * ({@link LogFacts} is incremental); the scores are recomputed when the checkpointed log has grown (at most once per
 * {@link #MIN_RECOMPUTE_MS}, so a busy log does not cost a computation per request), or when the last computation is
 * older than {@link #REFRESH_MS} (weights decay with time), and are served with the log size and time they were
 * computed at.
 */
public final class ReputationService {
    public static final long REFRESH_MS = HubLimits.REPUTATION_REFRESH_MS;
    public static final long MIN_RECOMPUTE_MS = HubLimits.REPUTATION_MIN_RECOMPUTE_MS;
    private static final int READ_BATCH = HubLimits.REPUTATION_READ_BATCH;

    private final TransparencyLog log;
    private final Parameters params;
    private final Clock clock;
    /** Read and written only while holding {@link #computing}. */
    private final LogFacts facts = new LogFacts();
    private final java.util.concurrent.locks.ReentrantLock computing = new java.util.concurrent.locks.ReentrantLock();
    private volatile Scores current;

    public ReputationService(TransparencyLog log, List<String> seeds, Clock clock) {
        this.log = log;
        this.params = Parameters.defaults(seeds);
        this.clock = clock;
    }

    public Parameters parameters() {
        return params;
    }

    /**
     * The scores of the current checkpointed log. One caller computes at a time; meanwhile the others get the scores
     * computed before (a request never waits for a computation another request started, except the very first).
     */
    public Scores current() throws SQLException {
        Scores last = current;
        if (last != null && fresh(last, log.server().checkpointedSize())) {
            return last;
        }
        if (last != null && !computing.tryLock()) {
            return last;
        }
        if (last == null) {
            computing.lock();
        }
        try {
            long size = log.server().checkpointedSize();
            if (current != null && fresh(current, size)) {
                return current;
            }
            while (facts.size() < size) {
                long from = facts.size();
                List<byte[]> batch = log.server().entries(from, Math.min(size, from + READ_BATCH));
                for (int i = 0; i < batch.size(); i++) {
                    facts.accept(from + i, batch.get(i));
                }
            }
            current = Reputation.compute(facts, params, clock.millis());
            return current;
        } finally {
            computing.unlock();
        }
    }

    private boolean fresh(Scores s, long size) {
        long now = clock.millis();
        return now >= s.asOfMs() && now - s.asOfMs() < (s.logSize() == size ? REFRESH_MS : MIN_RECOMPUTE_MS);
    }

    /** Whether the identity has standing; no standing when the scores cannot be read (fail closed). */
    public boolean hasStanding(String id) {
        try {
            return current().hasStanding(id);
        } catch (SQLException e) {
            return false;
        }
    }
}
