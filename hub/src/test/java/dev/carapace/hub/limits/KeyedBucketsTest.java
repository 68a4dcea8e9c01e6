package dev.carapace.hub.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bounded memory that never resets anyone's budget; time is a fake clock, so nothing here depends on speed. */
class KeyedBucketsTest {
    static final class FakeTime implements TimeMeter {
        long nanos = -5_000_000_000L; // System.nanoTime may be negative too

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }

        void advance(Duration d) {
            nanos += d.toNanos();
        }
    }

    @Test
    void eachKeySpendsItsOwnBudgetAndWaitsForTheRefill() {
        FakeTime t = new FakeTime();
        KeyedBuckets b = new KeyedBuckets(3, Duration.ofMinutes(1), 10, t);
        for (int i = 0; i < 3; i++) {
            assertThat(b.tryAcquire("a")).isZero();
        }
        assertThat(b.tryAcquire("a")).isBetween(1L, 20L); // one token back every 20 s
        assertThat(b.tryAcquire("b")).isZero();
        t.advance(Duration.ofSeconds(20));
        assertThat(b.tryAcquire("a")).isZero();
        assertThat(b.tryAcquire("a")).isPositive();
    }

    @Test
    void aRequestWorthManyTakesAllItsTokensOrNoneAndWaitsForAllOfThem() {
        FakeTime t = new FakeTime();
        KeyedBuckets b = new KeyedBuckets(60, Duration.ofMinutes(1), 10, t); // one token back per second
        for (int i = 0; i < 50; i++) {
            assertThat(b.tryAcquire("a")).isZero();
        }
        // A request of 20 took its own token (9 left) and asks for 19 more: refused, its own token stays spent (a
        // refusal costs a request), and told to wait until all 20 are there (11 s), not just the 19 more.
        assertThat(b.tryAcquire("a")).isZero();
        assertThat(b.tryAcquireMore("a", 19, 1)).isEqualTo(11);
        t.advance(Duration.ofSeconds(11));
        assertThat(b.tryAcquire("a")).isZero();
        assertThat(b.tryAcquireMore("a", 19, 1)).isZero();
        assertThat(b.tryAcquire("a")).isPositive();
    }

    @Test
    void aFloodOfNewKeysCannotResetAKnownKeysBudget() {
        FakeTime t = new FakeTime();
        KeyedBuckets b = new KeyedBuckets(2, Duration.ofMinutes(1), 100, t);
        assertThat(b.tryAcquire("victim-target")).isZero();
        assertThat(b.tryAcquire("victim-target")).isZero();
        assertThat(b.tryAcquire("victim-target")).as("spent").isPositive();
        int refusedNewcomers = 0;
        for (int i = 0; i < 10_000; i++) {
            if (b.tryAcquire("flood-" + i) != 0) {
                refusedNewcomers++;
            }
        }
        assertThat(b.trackedKeys()).isLessThanOrEqualTo(100);
        assertThat(b.tryAcquire("victim-target")).as("still spent after the flood").isPositive();
        // Beyond the table, newcomers share 64 buckets of 2 (the 9,901 keys reach all of them): the flood
        // throttled itself.
        assertThat(refusedNewcomers).isEqualTo(10_000 - 99 - 64 * 2);
    }

    @Test
    void onlyBucketsIdleForAWholePeriodAreDropped() {
        FakeTime t = new FakeTime();
        KeyedBuckets b = new KeyedBuckets(2, Duration.ofMinutes(1), 3, t);
        b.tryAcquire("old");
        t.advance(Duration.ofSeconds(30));
        b.tryAcquire("busy");
        b.tryAcquire("busy");
        b.tryAcquire("third");
        t.advance(Duration.ofSeconds(31)); // "old" idle 61 s: full again; "busy" idle 31 s: still spending
        assertThat(b.tryAcquire("new")).isZero();
        assertThat(b.trackedKeys()).isEqualTo(3); // old dropped, new tracked
        assertThat(b.tryAcquire("busy")).isZero(); // one token refilled in 31 s ...
        assertThat(b.tryAcquire("busy")).as("... and only one: its bucket was kept").isPositive();
    }
}
