package dev.carapace.client.skills;

import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.ManifestException;
import dev.carapace.skills.SkillPackage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What installing (or updating to) one skill version would do, and what it needs first: the one place that decides
 * the install rules every installer applies alike. A version is pinned by digest (different bytes for a name@version
 * seen before are an attack), never silently downgraded, its permissions are compared with the installed version's,
 * and the consent decision says whether a person must be asked, a policy consents or refuses, or consent was given in
 * advance. Computing a plan changes nothing; the caller shows it, obtains consent if asked to, and stores.
 */
public final class InstallPlan {

    /** {@code INSTALL} a chosen version (consent always needed); {@code UPDATE} an installed skill to a newer one. */
    public enum Mode { INSTALL, UPDATE }

    /** The candidate against what is installed under its name. */
    public enum Change { NEW, SAME, UPGRADE, DOWNGRADE }

    /**
     * The version to install. {@code manifest} is what it will be granted: for an unsigned package, its manifest
     * without any permission (it runs quarantined). {@code passingAuditors} are the signers of verified passing audits.
     */
    public record Candidate(String name, String version, String digest, Manifest manifest, boolean signed,
                            Set<String> passingAuditors, boolean confusable) {
        public Candidate {
            passingAuditors = Set.copyOf(passingAuditors);
        }

        /** A version {@link SkillVerifier} verified (online, or offline from a bundle). */
        public static Candidate verified(SkillVerifier.Verified v) throws ManifestException {
            Manifest m = Manifest.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8));
            Set<String> passing = new HashSet<>();
            for (SkillVerifier.Statement s : v.attestations()) {
                if (s.kind().equals("audit") && s.predicate().path("verdict").asString("").equals("pass")) {
                    passing.add(s.signer());
                }
            }
            return new Candidate(v.name(), v.version(), v.digest(), m, true, passing, !v.confusableWith().isEmpty());
        }

        /** A local package nobody vouches for: it is granted nothing. */
        public static Candidate unsigned(SkillPackage p) throws ManifestException {
            Manifest m = Manifest.parse(p.manifest());
            return new Candidate(m.name(), m.version(), p.digest(), m.withoutPermissions(), false, Set.of(), false);
        }
    }

    /**
     * What is installed under the candidate's name. {@code manifest} is the installed package's manifest (as granted:
     * a quarantined skill's has no permissions); it may be null for {@link Mode#INSTALL}, which asks consent for every
     * grant anyway, and is required for {@link Mode#UPDATE}.
     */
    public record Installed(String version, String digest, boolean quarantined, Manifest manifest) {}

    /** How consent may be given: by a policy, in advance (the caller's explicit yes), or only by a person asked. */
    public sealed interface ConsentBy {
        record Policy(InstallPolicy policy) implements ConsentBy {}

        record InAdvance() implements ConsentBy {}

        record Person() implements ConsentBy {}
    }

    /** The consent decision. Only {@link NotNeeded}, {@link ByPolicy} and {@link InAdvance} let the install proceed. */
    public sealed interface Consent {
        /** An update granting nothing the installed version was not granted: nobody is asked again. */
        record NotNeeded() implements Consent {}

        /** The policy consents to every grant. */
        record ByPolicy() implements Consent {}

        /** The policy refuses; each reason names a grant, the missing audits or the confusable name. */
        record RefusedByPolicy(List<String> reasons) implements Consent {
            public RefusedByPolicy {
                reasons = List.copyOf(reasons);
            }
        }

        /** Consent was given in advance for whatever the plan shows. */
        record InAdvance() implements Consent {}

        /** A person must be shown the grants and asked; without an answer, nothing is installed. */
        record AskPerson() implements Consent {}
    }

    /** A permission the candidate has and the installed version had not. */
    public sealed interface Widening {
        record NewFolder(Manifest.FsGrant grant) implements Widening {
            @Override
            public String toString() {
                return "+ " + grant.access().text() + " " + grant.path();
            }
        }

        record ReadBecomesWrite(String path) implements Widening {
            @Override
            public String toString() {
                return "~ " + path + ": read -> read-write";
            }
        }

        record NewHost(Manifest.NetGrant host) implements Widening {
            @Override
            public String toString() {
                return "+ network " + host;
            }
        }

        record NewSecret(String name) implements Widening {
            @Override
            public String toString() {
                return "+ secret " + name;
            }
        }

        record NewEnv(String name) implements Widening {
            @Override
            public String toString() {
                return "+ env " + name;
            }
        }
    }

    private final Mode mode;
    private final Candidate candidate;
    private final Installed installed;
    private final Change change;
    private final List<Widening> widened;
    private final Consent consent;

    private InstallPlan(Mode mode, Candidate candidate, Installed installed, Change change, List<Widening> widened,
                        Consent consent) {
        this.mode = mode;
        this.candidate = candidate;
        this.installed = installed;
        this.change = change;
        this.widened = List.copyOf(widened);
        this.consent = consent;
    }

    /**
     * Plans installing {@code candidate} over {@code installed} (null: nothing installed under its name).
     * {@code pinned} is the digest this installer saw before for the candidate's name@version (null: never seen).
     * An older version than the installed one is refused unless {@code allowDowngrade}.
     */
    public static InstallPlan install(Candidate candidate, Installed installed, String pinned, boolean allowDowngrade,
                                      ConsentBy consentBy) throws InstallRefusedException {
        Change change = pinnedChange(candidate, installed, pinned);
        if (change == Change.DOWNGRADE && !allowDowngrade) {
            throw new InstallRefusedException(InstallRefusedException.Reason.DOWNGRADE, candidate.name() + "@"
                    + candidate.version() + " is older than the installed " + installed.version()
                    + "; not downgrading");
        }
        List<Widening> widened = installed == null || installed.manifest() == null ? List.of()
                : widened(installed.manifest().permissions(), candidate.manifest().permissions());
        return new InstallPlan(Mode.INSTALL, candidate, installed, change, widened, decide(candidate, consentBy));
    }

    /**
     * Plans updating the installed skill to {@code candidate}, a verified version offered as the latest. A registry
     * offering an older version than the installed one is attempting a rollback: always refused. Consent is asked
     * again only when the candidate grants more than the installed version; then the policy or person judges the whole
     * new set.
     */
    public static InstallPlan update(Candidate candidate, Installed installed, String pinned, ConsentBy consentBy)
            throws InstallRefusedException {
        requireUpdatable(candidate.name(), installed);
        if (!candidate.signed() || installed.manifest() == null) {
            throw new IllegalArgumentException("an update needs a verified candidate and the installed manifest");
        }
        Change change = pinnedChange(candidate, installed, pinned);
        if (change == Change.DOWNGRADE) {
            throw new InstallRefusedException(InstallRefusedException.Reason.DOWNGRADE, "the registry offers "
                    + candidate.version() + " as the latest " + candidate.name() + ", older than the installed "
                    + installed.version() + "; refusing to downgrade");
        }
        if (change == Change.SAME) {
            return new InstallPlan(Mode.UPDATE, candidate, installed, change, List.of(), new Consent.NotNeeded());
        }
        List<Widening> widened = widened(installed.manifest().permissions(), candidate.manifest().permissions());
        Consent consent = widened.isEmpty() ? new Consent.NotNeeded() : decide(candidate, consentBy);
        return new InstallPlan(Mode.UPDATE, candidate, installed, change, widened, consent);
    }

    /** Only a skill installed from a verified source can be updated (nothing to compare an unsigned one against). */
    public static void requireUpdatable(String name, Installed installed) throws InstallRefusedException {
        if (installed == null) {
            throw new InstallRefusedException(InstallRefusedException.Reason.NOT_INSTALLED, name + " is not installed");
        }
        if (installed.quarantined()) {
            throw new InstallRefusedException(InstallRefusedException.Reason.UNSIGNED_INSTALLED, name
                    + " was installed from an unsigned file; remove it and install from a hub");
        }
    }

    /**
     * The pin rule: a published version never changes, so bytes for a name@version other than the ones seen before
     * ({@code pinned}, null if never seen) are an attack, whichever command sees them.
     */
    public static void checkPin(String name, String version, String pinned, String digest)
            throws InstallRefusedException {
        if (pinned != null && !pinned.equals(digest)) {
            throw new InstallRefusedException(InstallRefusedException.Reason.PIN_MISMATCH, "ATTACK: the registry now"
                    + " serves different bytes for " + name + "@" + version + " (pinned sha256 " + pinned + ", served "
                    + digest + "). A published version never changes; do not install it, and report the registry.");
        }
    }

    /**
     * Grants in {@code after} that {@code before} did not give: new folders, read turned write, hosts, secrets,
     * environment variables.
     */
    public static List<Widening> widened(Manifest.Permissions before, Manifest.Permissions after) {
        List<Widening> out = new ArrayList<>();
        for (Manifest.FsGrant g : after.filesystem()) {
            Manifest.FsGrant old = before.filesystem().stream().filter(o -> o.path().equals(g.path())).findFirst()
                    .orElse(null);
            if (old == null) {
                out.add(new Widening.NewFolder(g));
            } else if (old.access() == Manifest.Access.READ && g.access() == Manifest.Access.READ_WRITE) {
                out.add(new Widening.ReadBecomesWrite(g.path()));
            }
        }
        Set<String> hosts = new HashSet<>();
        before.network().forEach(n -> hosts.add(n.toString()));
        after.network().stream().filter(n -> !hosts.contains(n.toString()))
                .forEach(n -> out.add(new Widening.NewHost(n)));
        after.secrets().stream().filter(s -> !before.secrets().contains(s))
                .forEach(s -> out.add(new Widening.NewSecret(s)));
        after.env().stream().filter(v -> !before.env().contains(v)).forEach(v -> out.add(new Widening.NewEnv(v)));
        return out;
    }

    /** The installed entry is a pin too; then the version order decides. */
    private static Change pinnedChange(Candidate c, Installed installed, String pinned) throws InstallRefusedException {
        checkPin(c.name(), c.version(), pinned, c.digest());
        if (installed == null) {
            return Change.NEW;
        }
        int order = Manifest.compareVersions(c.version(), installed.version());
        if (order == 0) {
            checkPin(c.name(), c.version(), installed.digest(), c.digest());
            return Change.SAME;
        }
        return order < 0 ? Change.DOWNGRADE : Change.UPGRADE;
    }

    private static Consent decide(Candidate c, ConsentBy by) {
        return switch (by) {
            case ConsentBy.Policy p -> {
                List<String> refusals = p.policy().refusals(c.manifest(), c.passingAuditors(), c.confusable());
                yield refusals.isEmpty() ? new Consent.ByPolicy() : new Consent.RefusedByPolicy(refusals);
            }
            case ConsentBy.InAdvance a -> new Consent.InAdvance();
            case ConsentBy.Person p -> new Consent.AskPerson();
        };
    }

    public Mode mode() {
        return mode;
    }

    public Candidate candidate() {
        return candidate;
    }

    /** What is installed now under the candidate's name, or null. */
    public Installed installed() {
        return installed;
    }

    public Change change() {
        return change;
    }

    /** What the candidate will be granted: show all of it when consent is asked. */
    public Manifest.Permissions permissions() {
        return candidate.manifest().permissions();
    }

    /** What the candidate grants beyond the installed version (empty when nothing comparable is installed). */
    public List<Widening> widened() {
        return widened;
    }

    public Consent consent() {
        return consent;
    }

    /** An update whose candidate is the installed version: nothing to do. */
    public boolean upToDate() {
        return mode == Mode.UPDATE && change == Change.SAME;
    }
}
