package dev.carapace.hub.skills;

import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.hub.log.LogSequencer;
import dev.carapace.hub.log.LogServer;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.hub.store.SkillRegistryStore;
import dev.carapace.skills.NameGuard;
import dev.carapace.skills.RevocationRule;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import tools.jackson.databind.node.ArrayNode;

/**
 * The registry's rules for claims, publications and statements: who may write what, which names are confusable, and
 * that every signed statement is appended to the transparency log before it is stored. Each write checks, logs and
 * stores as the only registry write ({@link SkillRegistryStore#exclusive}), and answers a sealed outcome.
 */
public final class SkillRegistry {
    /** The subject of a skill statement: {@code namespace/name}, version and package digest. */
    public record Subject(String name, String version, String digest) {
        public String namespace() {
            return name.substring(0, name.indexOf('/'));
        }
    }

    /** A refusal shared by every write: the log did not take the statement, so nothing was stored. */
    public sealed interface NotLogged extends Claim, Publication, Statement permits LogRefused, LogUnavailable {}

    /** The log refuses the entry itself (its size); retrying will not help. */
    public record LogRefused(String reason) implements NotLogged, Append {}

    /** The log could not take the entry now; the caller may retry. */
    public record LogUnavailable(String reason) implements NotLogged, Append {}

    /** Refused because the name is confusable with names already in the registry. */
    public record Confusable(List<NameGuard.Match> similar) implements Claim, Publication {}

    /** The namespace belongs to another identity. */
    public record NotYourNamespace(String namespace) implements Claim, Publication {}

    /** What {@link #claim} did. */
    public sealed interface Claim permits Claimed, AlreadyYours, NotYourNamespace, Confusable, NotLogged {}

    public record Claimed(String namespace, String owner, LogServer.Receipt receipt) implements Claim {}

    public record AlreadyYours(String namespace) implements Claim {}

    /** What {@link #publish} did. */
    public sealed interface Publication
            permits Published, NamespaceUnclaimed, NotYourNamespace, VersionExists, Confusable, NotLogged {}

    /** Published; {@code confusableWith} lists the names it resembles (allowed by its publisher). */
    public record Published(Subject subject, List<NameGuard.Match> confusableWith, LogServer.Receipt receipt)
            implements Publication {}

    public record NamespaceUnclaimed(String namespace) implements Publication {}

    public record VersionExists(Subject subject) implements Publication {}

    /** What {@link #attest} did. */
    public sealed interface Statement
            permits Attested, NoSuchVersion, DigestMismatch, OwnPackage, DuplicateStatement, TooManyStatements,
            NotLogged {}

    public record Attested(String kind, LogServer.Receipt receipt) implements Statement {}

    public record NoSuchVersion(Subject subject) implements Statement {}

    /** The statement names another digest than the one published for its version. */
    public record DigestMismatch(Subject subject) implements Statement {}

    /** Authors may revoke their own package, but not audit or vouch for it. */
    public record OwnPackage(String kind) implements Statement {}

    public record DuplicateStatement(String kind, Subject subject) implements Statement {}

    public record TooManyStatements(Subject subject, int max) implements Statement {}

    private final SkillRegistryStore store;
    private final TransparencyLog log;
    private final Clock clock;
    private final int maxStatementsPerVersion;

    public SkillRegistry(SkillRegistryStore store, TransparencyLog log, Clock clock, int maxStatementsPerVersion) {
        this.store = store;
        this.log = log;
        this.clock = clock;
        this.maxStatementsPerVersion = maxStatementsPerVersion;
    }

    /** Claims {@code namespace} for {@code caller} with its signed, already verified claim. */
    public Claim claim(String caller, String namespace, Dsse.Envelope claim, boolean allowConfusable)
            throws SQLException {
        return store.exclusive(() -> {
            Optional<SkillRegistryStore.Namespace> held = store.namespace(namespace);
            if (held.isPresent()) {
                return held.get().owner().equals(caller) ? new AlreadyYours(namespace) : new NotYourNamespace(namespace);
            }
            List<NameGuard.Match> similar = NameGuard.confusables(namespace, store.namespaces());
            if (!similar.isEmpty() && !allowConfusable) {
                return new Confusable(similar);
            }
            return switch (append(claim, caller)) {
                case NotLogged n -> n;
                case Logged l -> {
                    store.addNamespace(new SkillRegistryStore.Namespace(namespace, caller, Json.compact(claim.toJson()),
                            l.appended().index()), clock.millis());
                    yield new Claimed(namespace, caller, receipt(l, claim));
                }
            };
        });
    }

    /** Publishes a version whose package the caller has checked, with the publisher's verified statement. */
    public Publication publish(String caller, Subject s, Dsse.Envelope statement, boolean allowConfusable)
            throws SQLException {
        return store.exclusive(() -> {
            Optional<SkillRegistryStore.Namespace> ns = store.namespace(s.namespace());
            if (ns.isEmpty()) {
                return new NamespaceUnclaimed(s.namespace());
            }
            if (!ns.get().owner().equals(caller)) {
                return new NotYourNamespace(s.namespace());
            }
            if (store.version(s.name(), s.version()).isPresent()) {
                return new VersionExists(s);
            }
            List<String> others = new ArrayList<>();
            for (String n : store.names()) {
                if (!n.startsWith(s.namespace() + "/")) {
                    others.add(n);
                }
            }
            List<NameGuard.Match> similar = NameGuard.confusables(s.name(), others);
            if (!similar.isEmpty() && !allowConfusable) {
                return new Confusable(similar);
            }
            return switch (append(statement, caller)) {
                case NotLogged n -> n;
                case Logged l -> {
                    ArrayNode confusable = confusableJson(similar);
                    store.addVersion(new SkillRegistryStore.NewVersion(s.name(), s.version(), s.digest(), caller,
                            Json.compact(statement.toJson()), l.appended().index(),
                            confusable.isEmpty() ? null : Json.compact(confusable)), clock.millis());
                    yield new Published(s, List.copyOf(similar), receipt(l, statement));
                }
            };
        });
    }

    /** Adds an audit, vouch or revoke statement ({@code kind}) by {@code caller} about a published version. */
    public Statement attest(String caller, String kind, Subject s, Dsse.Envelope statement) throws SQLException {
        return store.exclusive(() -> {
            Optional<SkillRegistryStore.Published> v = store.version(s.name(), s.version());
            if (v.isEmpty()) {
                return new NoSuchVersion(s);
            }
            if (!v.get().digest().equals(s.digest())) {
                return new DigestMismatch(s);
            }
            if (!kind.equals("revoke") && v.get().publisher().equals(caller)) {
                return new OwnPackage(kind);
            }
            SkillRegistryStore.StatementCounts counts = store.statementCounts(s.name(), s.version(), caller, kind);
            if (counts.bySignerOfKind() > 0) {
                return new DuplicateStatement(kind, s);
            }
            if (counts.total() >= maxStatementsPerVersion) {
                return new TooManyStatements(s, maxStatementsPerVersion);
            }
            return switch (append(statement, caller)) {
                case NotLogged n -> n;
                case Logged l -> {
                    store.addStatement(new SkillRegistryStore.NewStatement(s.name(), s.version(), s.digest(), kind,
                            caller, Json.compact(statement.toJson()), l.appended().index()), clock.millis());
                    yield new Attested(kind, receipt(l, statement));
                }
            };
        });
    }

    /**
     * A signer's standing for {@link RevocationRule} from this hub's records, if it has one; {@code reputable} says
     * whose reputation reaches standing now (docs/reputation.md).
     */
    public static Optional<RevocationRule.Standing> standing(String signer, SkillRegistryStore.SignerRecord r,
            Predicate<String> reputable) {
        return switch (r) {
            case SkillRegistryStore.Owner o -> Optional.of(new RevocationRule.Standing(signer,
                    Math.max(o.registeredMs(), o.ownerSinceMs()), reputable.test(signer)));
            case SkillRegistryStore.LinkedAgent a -> Optional.of(new RevocationRule.Standing(a.owner(),
                    Math.max(a.registeredMs(), a.linkedMs()), reputable.test(signer)));
            case SkillRegistryStore.Unaffiliated u -> Optional.empty();
        };
    }

    /** Whether a stored version is revoked under {@link RevocationRule}, from its statements and their signers. */
    public static boolean revoked(SkillRegistryStore.StoredVersion v, Predicate<String> reputable) {
        List<RevocationRule.Statement> statements = new ArrayList<>();
        for (SkillRegistryStore.StoredStatement s : v.statements()) {
            statements.add(new RevocationRule.Statement(s.kind(), s.signer(), s.createdMs(),
                    standing(s.signer(), s.standing(), reputable).orElse(null)));
        }
        return RevocationRule.revoked(v.publisher(), statements);
    }

    /** Confusable names as stored with a version and answered to its publisher: {@code [{existing, reason}]}. */
    static ArrayNode confusableJson(List<NameGuard.Match> similar) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        similar.forEach(m -> arr.addObject().put("existing", m.existing()).put("reason", m.reason()));
        return arr;
    }

    /** An append's outcome: logged, or one of the refusals every write shares. */
    private sealed interface Append permits Logged, LogRefused, LogUnavailable {}

    private record Logged(LogSequencer.Appended appended) implements Append {}

    private Append append(Dsse.Envelope env, String by) {
        try {
            return new Logged(log.sequencer().appendAndWait(env.toBytes(), by));
        } catch (IllegalArgumentException e) {
            return new LogRefused(e.getMessage());
        } catch (TransparencyLog.UnavailableException e) {
            return new LogUnavailable(e.getMessage());
        }
    }

    private LogServer.Receipt receipt(Logged l, Dsse.Envelope env) throws SQLException {
        return log.server().receipt(l.appended(), env.toBytes());
    }
}
