package dev.carapace.skills;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The trust score: a deterministic, explainable function of signatures, audits, vouches, age, revocations
 * and scanner findings, specified in docs/skills-trust.md. The scanner is one signal among several, never the only gate.
 */
public final class TrustScore {
    public static final double SIGNATURE_POINTS = 25, AUDIT_POINTS = 40, VOUCH_POINTS = 20, AGE_POINTS = 15;
    public static final int AGE_SATURATION_DAYS = 90;
    public static final double FAIL_FINDING_PENALTY = 100, WARN_FINDING_PENALTY = 5, WARN_PENALTY_CAP = 15;

    private TrustScore() {}

    public enum Verdict { PASS, WARN, FAIL }

    public enum Status { OK, UNSIGNED, FLAGGED, REVOKED }

    /** One audit: its verdict and the auditor's standing in [0,1]. */
    public record Audit(Verdict verdict, double auditorStanding) {}

    /** Inputs; {@code vouchWeights} are the vouchers' weights in [0,1]. */
    public record TrustInputs(boolean authorSignatureValid, List<Audit> audits, List<Double> vouchWeights,
                              long ageDays, boolean validRevocation, int scannerFails, int scannerWarns) {
        public TrustInputs {
            audits = List.copyOf(audits);
            vouchWeights = List.copyOf(vouchWeights);
        }
    }

    public record Factor(String name, String value, double points, String explanation) {}

    public record TrustReport(int score, Status status, List<Factor> factors) {}

    public static TrustReport compute(TrustInputs in) {
        List<Factor> f = new ArrayList<>();
        if (in.validRevocation()) {
            f.add(new Factor("revocation", "valid", 0, "a valid revocation exists: score is 0 whatever else holds"));
            return new TrustReport(0, Status.REVOKED, List.copyOf(f));
        }
        double sig = in.authorSignatureValid() ? SIGNATURE_POINTS : 0;
        f.add(new Factor("signature", in.authorSignatureValid() ? "valid" : "missing or invalid", sig,
                in.authorSignatureValid() ? "author signature verifies" : "no valid author signature"));

        double a = 0;
        boolean flagged = false;
        for (Audit au : in.audits()) {
            double s = clamp01(au.auditorStanding());
            a += s * switch (au.verdict()) { case PASS -> 1.0; case WARN -> 0.25; case FAIL -> -2.0; };
            if (au.verdict() == Verdict.FAIL && s >= 0.5) flagged = true;
        }
        // Saturating: a/(1+|a|) keeps many small-standing audits from outweighing one strong auditor much.
        double auditPts = AUDIT_POINTS * a / (1 + Math.abs(a));
        f.add(new Factor("audits", in.audits().size() + " audit(s), weighted sum " + fmt(a), auditPts,
                "sum of standing x verdict (pass 1, warn 0.25, fail -2), saturated as 40*a/(1+|a|)"));

        List<Double> w = in.vouchWeights().stream().map(TrustScore::clamp01).sorted(Comparator.reverseOrder()).toList();
        double v = 0;
        for (int k = 0; k < w.size(); k++) v += w.get(k) / Math.pow(2, k);
        double vouchPts = VOUCH_POINTS * v / 2; // the geometric series caps v below 2
        f.add(new Factor("vouches", w.size() + " vouch(es)", vouchPts,
                "weights sorted descending, k-th halved (sum w_k/2^k < 2): Sybil vouches cannot add up"));

        long days = Math.max(0, in.ageDays());
        double agePts = AGE_POINTS * Math.min(days, AGE_SATURATION_DAYS) / AGE_SATURATION_DAYS;
        f.add(new Factor("age", days + " day(s)", agePts, "linear up to " + AGE_SATURATION_DAYS + " days, then flat"));

        double findPts = -(in.scannerFails() * FAIL_FINDING_PENALTY + Math.min(WARN_PENALTY_CAP, in.scannerWarns() * WARN_FINDING_PENALTY));
        f.add(new Factor("findings", in.scannerFails() + " fail, " + in.scannerWarns() + " warn", findPts,
                "each fail finding -100, each warn -5 (capped at -15)"));

        double total = sig + auditPts + vouchPts + agePts + findPts;
        int score = (int) Math.round(Math.max(0, Math.min(100, total)));
        Status status = flagged || in.scannerFails() > 0 ? Status.FLAGGED : in.authorSignatureValid() ? Status.OK : Status.UNSIGNED;
        return new TrustReport(score, status, List.copyOf(f));
    }

    private static double clamp01(double x) { return Double.isNaN(x) ? 0 : Math.max(0, Math.min(1, x)); }

    private static String fmt(double d) { return String.format(java.util.Locale.ROOT, "%.3f", d); }
}
