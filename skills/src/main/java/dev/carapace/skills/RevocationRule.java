package dev.carapace.skills;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * When a package version counts as revoked. The hub and every client apply the same rule to the same logged
 * statements, so a hub cannot hide a revocation the log holds. The author's own revocation is enough; revocations by
 * others count only from identities that logged an audit of that digest, and only once {@link #AUDITOR_QUORUM}
 * distinct such auditors agree (one reporter cannot take down another's skill).
 */
public final class RevocationRule {
    public static final int AUDITOR_QUORUM = 3;

    /** A verified statement about the digest: its kind ({@code audit}, {@code vouch}, {@code revoke}) and signer. */
    public record Statement(String kind, String signer) {}

    private RevocationRule() {}

    public static boolean revoked(String author, List<Statement> statements) {
        Set<String> auditors = new HashSet<>();
        for (Statement s : statements) {
            if (s.kind().equals("audit")) {
                auditors.add(s.signer());
            }
        }
        Set<String> revokers = new HashSet<>();
        for (Statement s : statements) {
            if (!s.kind().equals("revoke")) {
                continue;
            }
            if (s.signer().equals(author)) {
                return true;
            }
            if (auditors.contains(s.signer())) {
                revokers.add(s.signer());
            }
        }
        return revokers.size() >= AUDITOR_QUORUM;
    }
}
