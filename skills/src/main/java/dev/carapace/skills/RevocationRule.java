package dev.carapace.skills;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * When a package version counts as revoked. The hub and every client apply the same rule to the same logged
 * statements, so a hub cannot hide a revocation the log holds (docs/skills-trust.md).
 *
 * <p>The author's own revocation is enough. A revocation by anyone else counts only if its signer has standing, and
 * only once signers of {@link #AUDITOR_QUORUM} distinct owners agree. Identities are free, so standing is: the signer
 * logged an audit of that digest; the signer is an owner, or an agent linked to an owner (its signed consent); that
 * identity and its link were in place at least {@link #MIN_STANDING_AGE} before the revocation was accepted; and its
 * reputation, which only trust from the hub's seeds can give, reaches the standing threshold. Several identities of
 * one owner count once: one owner is one voice.
 */
public final class RevocationRule {
    public static final int AUDITOR_QUORUM = 3;

    /**
     * How long an identity and its owner link must have existed before a revocation it signs counts. Measured on
     * the hub's clock, between times the hub recorded when it accepted the registration, the link and the revocation
     * (nothing a client sends can set them), so a fresh identity cannot be backdated.
     */
    public static final int MIN_STANDING_DAYS = 7;
    public static final Duration MIN_STANDING_AGE = Duration.ofDays(MIN_STANDING_DAYS);

    /**
     * What gives a signer standing: the owner it speaks for (itself, for an owner), since when that holds (the later
     * of its registration and its link to that owner), in epoch milliseconds, and whether its reputation on the hub
     * reaches the standing threshold (docs/reputation.md).
     */
    public record Standing(String owner, long sinceMs, boolean reputable) {}

    /**
     * A verified statement about the digest: its kind ({@code audit}, {@code vouch}, {@code revoke}), signer, when
     * the hub accepted it (epoch milliseconds) and the signer's standing, or null if it has none.
     */
    public record Statement(String kind, String signer, long atMs, Standing standing) {}

    private RevocationRule() {}

    public static boolean revoked(String author, List<Statement> statements) {
        Set<String> auditors = new HashSet<>();
        for (Statement s : statements) {
            if (s.kind().equals("audit")) {
                auditors.add(s.signer());
            }
        }
        Set<String> owners = new HashSet<>();
        for (Statement s : statements) {
            if (!s.kind().equals("revoke")) {
                continue;
            }
            if (s.signer().equals(author)) {
                return true;
            }
            if (counts(s, auditors)) {
                owners.add(s.standing().owner());
            }
        }
        return owners.size() >= AUDITOR_QUORUM;
    }

    /** Whether a revocation by someone other than the author counts toward the quorum, and why not if it does not. */
    public static String whyNotCounted(Statement revocation, List<Statement> statements) {
        Set<String> auditors = new HashSet<>();
        statements.stream().filter(s -> s.kind().equals("audit")).forEach(s -> auditors.add(s.signer()));
        if (!auditors.contains(revocation.signer())) {
            return "its signer logged no audit of this digest";
        }
        if (revocation.standing() == null) {
            return "its signer is neither an owner nor linked to one";
        }
        if (!oldEnough(revocation)) {
            return "its signer's identity or owner link is younger than " + MIN_STANDING_DAYS
                    + " days at the revocation";
        }
        if (!revocation.standing().reputable()) {
            return "its signer has no reputation standing on this hub";
        }
        return null;
    }

    private static boolean counts(Statement s, Set<String> auditors) {
        return auditors.contains(s.signer()) && s.standing() != null && oldEnough(s) && s.standing().reputable();
    }

    private static boolean oldEnough(Statement s) {
        return s.atMs() - s.standing().sinceMs() >= MIN_STANDING_AGE.toMillis();
    }
}
