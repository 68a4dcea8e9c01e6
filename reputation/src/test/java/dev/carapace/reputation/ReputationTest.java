package dev.carapace.reputation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReputationTest {
    private static final int RING = 1000;
    /** Each ring member rates this many of the members after it: a dense ring of mutual good ratings. */
    private static final int RING_DEGREE = 10;

    private TestLog log;
    private List<TestLog.Id> seeds;
    private TestLog.Id honest;

    @BeforeEach
    void seededRegion() {
        log = new TestLog();
        seeds = List.of(log.identity("agent"), log.identity("agent"), log.identity("agent"));
        honest = log.identity("agent");
    }

    private List<TestLog.Id> ring() {
        List<TestLog.Id> ring = new ArrayList<>();
        for (int i = 0; i < RING; i++) {
            ring.add(log.identity("agent"));
        }
        for (int i = 0; i < RING; i++) {
            Map<String, Boolean> ratings = new LinkedHashMap<>();
            for (int k = 1; k <= RING_DEGREE; k++) {
                ratings.put(ring.get((i + k) % RING).id(), true);
                ratings.put(ring.get((i - k + RING) % RING).id(), true);
            }
            log.rate(ring.get(i), ratings);
        }
        return ring;
    }

    private long ringTotal(Scores s, List<TestLog.Id> ring) {
        return ring.stream().mapToLong(r -> s.trust(r.id())).sum();
    }

    @Test
    void aThousandIdentitiesRatingEachOtherWithNoInboundEdgeAllScoreZero() {
        for (TestLog.Id s : seeds) {
            log.good(s, honest);
        }
        List<TestLog.Id> ring = ring();
        Scores s = log.scores(seeds);
        for (TestLog.Id r : ring) {
            assertThat(s.trust(r.id())).as("ring member").isZero();
            assertThat(s.hasStanding(r.id())).isFalse();
        }
        assertThat(s.explain(ring.get(0).id()).factors()).anyMatch(f -> f.kind().equals("not-counted")
                && f.text().contains("not reached from the seeds"));
        assertThat(s.trust(honest.id())).isPositive();
    }

    @Test
    void theSameRingWithOneEdgeInGainsAtMostWhatThatEdgeCarries() {
        List<TestLog.Id> ring = ring();
        TestLog.Id entry = ring.get(0);
        long edgeIndex = log.good(seeds.get(0), entry);
        Scores s = log.scores(seeds);
        Scores.Factor edge = s.explain(entry.id()).factors().stream()
                .filter(f -> f.kind().equals("inflow") && f.from().equals(seeds.get(0).id())).findFirst().orElseThrow();
        assertThat(edge.logIndexes()).containsExactly(edgeIndex);
        assertThat(edge.trust()).isPositive();
        assertThat(ringTotal(s, ring)).as("the whole ring").isPositive().isLessThanOrEqualTo(edge.trust());
    }

    @Test
    void anHonestAgentWithThreeTasksAcceptedBySeededRequestersOutranksEveryRingMember() {
        List<TestLog.Id> ring = ring();
        log.good(seeds.get(0), ring.get(0));
        for (TestLog.Id s : seeds) {
            log.good(s, honest);
        }
        Scores s = log.scores(seeds);
        long best = ring.stream().mapToLong(r -> s.trust(r.id())).max().orElseThrow();
        assertThat(s.trust(honest.id())).isGreaterThan(best);
        assertThat(s.hasStanding(honest.id())).isTrue();
        assertThat(s.explain(honest.id()).factors().stream().filter(f -> f.kind().equals("inflow")).count())
                .isEqualTo(3);
    }

    @Test
    void identitiesOfOneOwnerCountOnceTogether() {
        TestLog.Id owner = log.identity("owner");
        TestLog.Id a = log.identity("agent");
        TestLog.Id b = log.identity("agent");
        long la = log.link(owner, a);
        log.link(owner, b);
        log.good(seeds.get(0), a, b);
        TestLog.Id target = log.identity("agent");
        // Both agents rate the target: one principal, one voice, and their ratings of each other count for nothing.
        log.good(a, target, b);
        log.good(b, target, a);
        Scores s = log.scores(seeds);
        assertThat(s.principal(a.id())).isEqualTo(owner.id());
        assertThat(s.trust(a.id())).isEqualTo(s.trust(b.id())).isEqualTo(s.trust(owner.id())).isPositive();
        Scores.Explanation e = s.explain(target.id());
        assertThat(e.factors().stream().filter(f -> f.kind().equals("inflow")).map(Scores.Factor::from))
                .containsExactly(owner.id());
        assertThat(s.explain(a.id()).factors().get(0).logIndexes()).contains(la);
    }

    @Test
    void aConsentWithoutTheOwnersCountersignatureLinksNothing() {
        TestLog.Id trustedOwner = log.identity("owner");
        TestLog.Id sybil = log.identity("agent");
        log.consentOnly(trustedOwner, sybil);
        Scores s = Reputation.compute(log.facts, Parameters.defaults(List.of(trustedOwner.id())), log.now);
        assertThat(s.principal(sybil.id())).isEqualTo(sybil.id());
        assertThat(s.trust(sybil.id())).isZero();
        assertThat(s.trust(trustedOwner.id())).isPositive();
    }

    @Test
    void aReciprocatedEdgeCarriesHalf() {
        TestLog.Id x = log.identity("agent");
        TestLog.Id y = log.identity("agent");
        TestLog.Id z = log.identity("agent");
        TestLog.Id w = log.identity("agent");
        log.good(seeds.get(0), x);
        log.good(x, y, w);
        log.good(y, x);
        Scores s = log.scores(seeds);
        assertThat(s.trust(y.id())).isEqualTo(s.trust(w.id()) / 2 + (s.trust(w.id()) % 2 == 0 ? 0 : 0))
                .isLessThan(s.trust(w.id()));
        assertThat(s.explain(y.id()).factors()).anyMatch(f -> f.text().contains("halved as reciprocated"));
        assertThat(s.trust(z.id())).isZero();
    }

    @Test
    void scoresDecayWithTheAgeOfTheirInteractionsAndFutureStatementsDoNotCountYet() {
        TestLog.Id fresh = log.identity("agent");
        TestLog.Id old = log.identity("agent");
        TestLog.Id future = log.identity("agent");
        long halfLife = Parameters.DEFAULT_HALF_LIFE_MS;
        log.rate(seeds.get(0), Map.of(fresh.id(), true));
        log.rate(seeds.get(1), Map.of(old.id(), true), log.now - halfLife);
        log.rate(seeds.get(2), Map.of(future.id(), true), log.now + 60_000);
        Scores s = log.scores(seeds);
        assertThat(s.trust(old.id())).isEqualTo(s.trust(fresh.id()) / 2);
        assertThat(s.trust(future.id())).isZero();
        Scores later = Reputation.compute(log.facts, log.scores(seeds).parameters(), log.now + 60_000);
        assertThat(later.trust(future.id())).isPositive();
        assertThat(Reputation.weight(0, halfLife)).isEqualTo(Reputation.W0);
        assertThat(Reputation.weight(halfLife, halfLife)).isEqualTo(Reputation.W0 / 2);
        assertThat(Reputation.weight(halfLife / 2, halfLife)).isEqualTo(Reputation.W0 * 3 / 4);
    }

    @Test
    void onlyStatementsSignedByTheirAuthorsCurrentKeyCount() throws Exception {
        TestLog.Id forged = log.identity("agent");
        TestLog.Id stale = log.identity("agent");
        // An outcome naming seed 0 as requester, signed by someone else.
        log.add(TestLog.sign(dev.carapace.tasks.TaskOutcome.PAYLOAD_TYPE, TestLog.outcome(seeds.get(0).id(),
                Map.of(forged.id(), true), log.now, "forged"), forged).toBytes());
        // Seed 1 rotates; an outcome signed with its old key afterwards does not count.
        TestLog.Id s1 = seeds.get(1);
        KeyEventLog rotated = s1.log().rotate(s1.next(), Ed25519KeyPair.generate().publicKey(), log.now);
        log.add(TestLog.event(rotated.events().get(1)));
        log.add(Dsse.sign(dev.carapace.tasks.TaskOutcome.PAYLOAD_TYPE, dev.carapace.crypto.CanonicalJson.encode(
                TestLog.outcome(s1.id(), Map.of(stale.id(), true), log.now, "stale")),
                s1.log().currentKeyId(), s1.key()).toBytes());
        // A payload that is not canonical does not count either.
        log.add(Dsse.sign(dev.carapace.tasks.TaskOutcome.PAYLOAD_TYPE, (" " + new String(dev.carapace.crypto.CanonicalJson.encode(
                TestLog.outcome(seeds.get(2).id(), Map.of(forged.id(), true), log.now, "x")))).getBytes(),
                seeds.get(2).log().currentKeyId(), seeds.get(2).key()).toBytes());
        Scores s = log.scores(seeds);
        assertThat(s.trust(forged.id())).isZero();
        assertThat(s.trust(stale.id())).isZero();
        assertThat(log.facts.interactions()).isEmpty();
    }

    @Test
    void anOutcomeAppendedAgainForTheSameTaskCountsOnce() {
        TestLog.Id favoured = log.identity("agent");
        TestLog.Id other = log.identity("agent");
        dev.carapace.crypto.Dsse.Envelope once = TestLog.sign(dev.carapace.tasks.TaskOutcome.PAYLOAD_TYPE, TestLog.outcome(
                seeds.get(0).id(), Map.of(favoured.id(), true), log.now, "task-x"), seeds.get(0));
        for (int i = 0; i < 10; i++) {
            log.add(once.toBytes());
        }
        log.good(seeds.get(0), other);
        Scores s = log.scores(seeds);
        assertThat(s.trust(favoured.id())).isEqualTo(s.trust(other.id())).isPositive();
        assertThat(s.explain(favoured.id()).factors().stream().filter(f -> f.kind().equals("inflow")).findFirst()
                .orElseThrow().logIndexes()).hasSize(1);
    }

    @Test
    void anIndependentReaderOfTheSameEntriesGetsTheSameNumbers() {
        List<TestLog.Id> ring = ring();
        log.good(seeds.get(0), ring.get(0), honest);
        log.good(seeds.get(1), honest);
        log.add("not json".getBytes());
        LogFacts again = new LogFacts();
        for (int i = 0; i < log.entries.size(); i++) {
            again.accept(i, log.entries.get(i));
        }
        Parameters p = Parameters.defaults(seeds.stream().map(TestLog.Id::id).toList());
        assertThat(Reputation.compute(again, p, log.now).all()).isEqualTo(log.scores(seeds).all()).isNotEmpty();
    }

    @Test
    void exactArithmeticDoesNotOverflow() {
        assertThat(Reputation.mulDiv(Reputation.SCALE, Long.MAX_VALUE / 2, Long.MAX_VALUE))
                .isEqualTo(Reputation.SCALE / 2 - 1);
        assertThat(Reputation.mulDiv(6, 7, 4)).isEqualTo(10);
    }
}
