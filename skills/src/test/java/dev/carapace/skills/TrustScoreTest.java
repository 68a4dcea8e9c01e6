package dev.carapace.skills;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.skills.TrustScore.Audit;
import dev.carapace.skills.TrustScore.Status;
import dev.carapace.skills.TrustScore.TrustInputs;
import dev.carapace.skills.TrustScore.Verdict;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustScoreTest {
    private static TrustInputs good() {
        return new TrustInputs(true, List.of(new Audit(Verdict.PASS, 1.0)), List.of(1.0, 1.0), 90, false, 0, 0);
    }

    @Test
    void goodSkillScoresHighAndExplainsEveryFactor() {
        var r = TrustScore.compute(good());
        // 25 + 40*1/2 + 20*1.5/2 + 15 = 75
        assertThat(r.score()).isEqualTo(75);
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(r.factors()).extracting(TrustScore.Factor::name).containsExactly("signature", "audits", "vouches", "age", "findings");
        assertThat(TrustScore.compute(good())).isEqualTo(r);
    }

    @Test
    void revocationZeroes() {
        var in = good();
        var r = TrustScore.compute(new TrustInputs(true, in.audits(), in.vouchWeights(), 900, true, 0, 0));
        assertThat(r.score()).isZero();
        assertThat(r.status()).isEqualTo(Status.REVOKED);
    }

    @Test
    void sybilVouchesAreBounded() {
        var many = TrustScore.compute(new TrustInputs(false, List.of(), Collections.nCopies(10_000, 0.1), 0, false, 0, 0));
        var one = TrustScore.compute(new TrustInputs(false, List.of(), List.of(1.0), 0, false, 0, 0));
        assertThat(many.score()).isLessThanOrEqualTo(2).isLessThan(one.score());
    }

    @Test
    void failingFindingsAndStrongFailAuditFlag() {
        assertThat(TrustScore.compute(new TrustInputs(true, List.of(), List.of(), 90, false, 1, 0)))
                .satisfies(r -> { assertThat(r.score()).isZero(); assertThat(r.status()).isEqualTo(Status.FLAGGED); });
        var r = TrustScore.compute(new TrustInputs(true, List.of(new Audit(Verdict.FAIL, 0.9)), List.of(), 90, false, 0, 0));
        assertThat(r.status()).isEqualTo(Status.FLAGGED);
        assertThat(r.score()).isLessThan(TrustScore.compute(new TrustInputs(true, List.of(), List.of(), 90, false, 0, 0)).score());
        assertThat(TrustScore.compute(new TrustInputs(false, List.of(), List.of(), 0, false, 0, 0)).status()).isEqualTo(Status.UNSIGNED);
    }
}
