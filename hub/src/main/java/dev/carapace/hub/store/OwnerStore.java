package dev.carapace.hub.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Owner records, agent links and each owner's access log. The store holds owner data only as sealed bytes: it never
 * sees a data key, a master key or a plaintext field ({@code hub.owners} seals and opens them). Methods taking a
 * {@link Connection} run inside the caller's transaction.
 */
public interface OwnerStore {
    /** An owner as stored: its data key wrapped by the master key {@code masterKeyId}, and its sealed fields. */
    record SealedOwner(String id, String masterKeyId, byte[] wrappedKey, byte[] emailSealed, byte[] nameSealed,
                       long createdMs) {}

    /** One owner's wrapped data key, as master key rotation reads it. */
    record WrappedKey(String ownerId, String masterKeyId, byte[] wrappedKey) {}

    /** One entry of an owner's access log. */
    record Access(long atMs, String actor, String action, String detail) {}

    /** What {@link #delete} did. */
    sealed interface Deletion permits Deleted, NoSuchOwner {}

    /** The owner's rows are gone; these agents were linked to it. */
    record Deleted(List<String> unlinkedAgents) implements Deletion {}

    record NoSuchOwner() implements Deletion, Database.Refusal {}

    /** Stores a new owner; false (and nothing written) when the owner already exists. */
    boolean insert(Connection c, SealedOwner owner) throws SQLException;

    Optional<SealedOwner> find(Connection c, String ownerId) throws SQLException;

    boolean exists(Connection c, String ownerId) throws SQLException;

    /** Links an agent to an owner with the agent's consent envelope; false when the agent already has an owner. */
    boolean insertLink(Connection c, String agentId, String ownerId, String consent, long nowMs) throws SQLException;

    Optional<String> ownerOf(String agentId) throws SQLException;

    /** The agents linked to an owner, by id. */
    List<String> agentsOf(Connection c, String ownerId) throws SQLException;

    void logAccess(Connection c, String ownerId, Access access) throws SQLException;

    /** The owner's access log, oldest first. */
    List<Access> accessLog(Connection c, String ownerId) throws SQLException;

    /** Deletes the owner's record (with its wrapped data key), its agent links and its access log, in one transaction. */
    Deletion delete(String ownerId) throws SQLException;

    List<WrappedKey> wrappedKeys(Connection c) throws SQLException;

    void rewrap(Connection c, String ownerId, String masterKeyId, byte[] wrappedKey) throws SQLException;

    /** How many owner data keys each master key wraps, by master key id. */
    Map<String, Integer> dataKeysByMasterKey() throws SQLException;
}
