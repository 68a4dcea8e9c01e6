package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.hub.limits.KeyedBuckets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Red team after issue 13: once a rate-limit table is full, newcomers share 64 overflow buckets chosen by a "salted"
 * hash, so that no one can aim at a given newcomer. The index was the low 6 bits of {@code (hashCode ^ salt) * odd},
 * which depend only on the low 6 bits of the key's {@code String.hashCode}: two keys with equal low bits shared a bucket
 * under every salt. An attacker who knows a victim's address picks source addresses (1 in 64 of any range) that land
 * in the victim's bucket on every hub and keeps it empty. The index now comes from the mixed high bits.
 */
class OverflowBucketTargetingAttackTest {
    @Test
    void anAttackerCannotChooseKeysThatShareAVictimsOverflowBucketOnEveryHub() {
        String victim = "203.0.113.7";
        String attacker = null;
        for (int i = 0; i < 256 && attacker == null; i++) {
            String candidate = "198.51.100." + i;
            if (((candidate.hashCode() ^ victim.hashCode()) & 63) == 0) {
                attacker = candidate;
            }
        }
        assertThat(attacker).as("one address in 64 qualifies").isNotNull();
        int starved = 0;
        int hubs = 20;
        for (int hub = 0; hub < hubs; hub++) { // a fresh salt each
            KeyedBuckets b = new KeyedBuckets(1, Duration.ofHours(1), 1);
            assertThat(b.tryAcquire("known")).isZero(); // the table is full from here on
            assertThat(b.tryAcquire(attacker)).isZero(); // the attacker spends its overflow bucket
            if (b.tryAcquire(victim) != 0) {
                starved++;
            }
        }
        // With the index salted for real, the victim shares the attacker's bucket on about 1 hub in 64.
        assertThat(starved).as("hubs where the victim was starved").isLessThan(hubs / 2);
    }
}
