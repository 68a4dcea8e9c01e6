package dev.carapace.hub.store;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The skill registry's records: namespace claims, published versions, and the audit, vouch and revoke statements
 * about them, each with the index of the log entry holding its signed envelope (stored as compact JSON). What the
 * registry knows of a signer's standing (registration, ownership, link and consent) is read from the identity and
 * owner records. Writes that depend on what was read happen under {@link #exclusive}.
 */
public interface SkillRegistryStore {
    /** A claimed namespace and its logged claim. */
    record Namespace(String namespace, String owner, String claim, long logIndex) {}

    /** A published version, as the namespace owner's checks need it. */
    record Published(String digest, String publisher) {}

    /** A version to store: the publication statement and the names it was found confusable with (JSON or null). */
    record NewVersion(String name, String version, String digest, String publisher, String envelope, long logIndex,
                      String confusableWith) {}

    /** An audit, vouch or revocation statement to store. */
    record NewStatement(String name, String version, String digest, String kind, String signer, String envelope,
                        long logIndex) {}

    /** How many statements a version has, and how many of them are the signer's of one kind. */
    record StatementCounts(long total, long bySignerOfKind) {}

    /** The newest version of a skill, as a search lists it. */
    record Listing(String name, String latest, String publisher, boolean confusable) {}

    /** A stored version with its statements, oldest first. */
    record StoredVersion(String version, String digest, String publisher, String envelope, long logIndex,
                         String confusableWith, long publishedMs, long size, List<StoredStatement> statements) {}

    record StoredStatement(String kind, String signer, String envelope, long logIndex, long createdMs,
                           SignerRecord standing) {}

    /** What this hub's own records say about a signer, with the times it set when it accepted them. */
    sealed interface SignerRecord permits Owner, LinkedAgent, Unaffiliated {}

    /** A registered owner. */
    record Owner(long registeredMs, long ownerSinceMs) implements SignerRecord {}

    /** An agent linked to {@code owner} with the consent envelope it signed (JSON). */
    record LinkedAgent(String owner, long registeredMs, long linkedMs, String consent) implements SignerRecord {}

    /** Unknown here, or an agent no owner has linked. */
    record Unaffiliated() implements SignerRecord {}

    @FunctionalInterface
    interface Exclusive<T, E extends Exception> {
        T run() throws E, SQLException;
    }

    /**
     * Runs {@code work} as the only registry write: one at a time in this process and, where several hub processes
     * share the database, across all of them. The work's reads and writes use their own transactions.
     */
    <T, E extends Exception> T exclusive(Exclusive<T, E> work) throws E, SQLException;

    Optional<Namespace> namespace(String namespace) throws SQLException;

    /** Every claimed namespace. */
    List<String> namespaces() throws SQLException;

    /** The name of every published skill. */
    List<String> names() throws SQLException;

    Optional<Published> version(String name, String version) throws SQLException;

    StatementCounts statementCounts(String name, String version, String signer, String kind) throws SQLException;

    void addNamespace(Namespace claimed, long nowMs) throws SQLException;

    void addVersion(NewVersion v, long nowMs) throws SQLException;

    void addStatement(NewStatement s, long nowMs) throws SQLException;

    /** The newest version of each skill whose name contains {@code needle} literally, by name, at most {@code max}. */
    List<Listing> search(String needle, int max) throws SQLException;

    /** Every version of a skill, oldest first, with its statements; empty if none is published. */
    List<StoredVersion> versions(String name) throws SQLException;
}
