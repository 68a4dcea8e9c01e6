package dev.carapace.hub.store;

import dev.carapace.crypto.KeyEventLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Verified key event logs by identity id. What is stored is public; the hub keeps no secret for anyone. Registering
 * and extending a history are whole units of work that answer with an outcome; the methods that take a
 * {@link Connection} join a caller's transaction that spans other stores (an owner registration, a link).
 */
public interface IdentityStore {

    /** Work that must commit with an accepted change, in its transaction (the transparency log's outbox entries). */
    @FunctionalInterface
    interface Alongside<T> {
        /** {@code from} is the position of the first event the change added. */
        T run(Connection c, int from) throws SQLException;
    }

    /** The outcome of registering a new identity. */
    sealed interface Registration<T> permits Registered, AlreadyRegistered {}

    /** Stored; {@code alongside} is what the accompanying work returned. */
    record Registered<T>(T alongside) implements Registration<T> {}

    record AlreadyRegistered<T>() implements Registration<T>, Database.Refusal {}

    /** The outcome of replacing the stored history by a longer one. */
    sealed interface Extension<T> permits Extended, UnknownIdentity, Fork, NotNewer {}

    record Extended<T>(T alongside) implements Extension<T> {}

    /** The hub holds no history for this id. */
    record UnknownIdentity<T>() implements Extension<T>, Database.Refusal {}

    /** The offered history does not extend the stored one. */
    record Fork<T>(String why) implements Extension<T>, Database.Refusal {}

    /** The stored history is already at or past the offered one (or a concurrent rotation won). */
    record NotNewer<T>() implements Extension<T>, Database.Refusal {}

    /** The current key of a stored identity as stored (base64url), read without verifying its history. */
    record CurrentKey(long seq, String kind, String key) {}

    /** A stored identity and when it was first registered. */
    record Stored(KeyEventLog log, long createdMs) {}

    /** Stores a new, verified history, and runs {@code alongside} in the same transaction. */
    <T> Registration<T> register(KeyEventLog log, long nowMs, Alongside<T> alongside) throws SQLException;

    /**
     * Replaces the stored history of {@code newer}'s id with {@code newer}, which must extend it and be longer, and
     * runs {@code alongside} in the same transaction. Two concurrent rotations cannot both win.
     */
    <T> Extension<T> extend(KeyEventLog newer, long nowMs, Alongside<T> alongside) throws SQLException;

    /** Stores a new identity in the caller's transaction. Returns false if the id is already registered. */
    boolean insert(Connection c, KeyEventLog log, long nowMs) throws SQLException;

    /**
     * True when the stored history of {@code id} is still at {@code seq}, and holds it there until the caller's
     * transaction ends: whatever the caller writes next happens while {@code seq} is current.
     */
    boolean holdCurrent(Connection c, String id, long seq) throws SQLException;

    Optional<Stored> find(String id) throws SQLException;

    /** The stored current key, without verifying the history (what request authentication reads on every call). */
    Optional<CurrentKey> currentKey(String id) throws SQLException;

    /** When the identity was registered here. */
    Optional<Long> createdMs(String id) throws SQLException;

    /**
     * The stored identity document as it was verified on the way in (canonical JSON), without verifying it again: what
     * the public read serves, so an unauthenticated reader costs the hub no signature checks. Clients verify it.
     */
    Optional<String> document(String id) throws SQLException;
}
