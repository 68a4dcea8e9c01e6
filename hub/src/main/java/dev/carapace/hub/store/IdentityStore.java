package dev.carapace.hub.store;

import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.KelException;
import dev.carapace.crypto.KeyEventLog;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** Verified key event logs by identity id. What is stored is public; the hub keeps no secret for anyone. */
public final class IdentityStore {
    private final Database db;

    public IdentityStore(Database db) {
        this.db = db;
    }

    /** Stores a new identity. Returns false if the id is already registered. */
    public boolean insert(Connection c, KeyEventLog log, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO identities (id, kind, seq, current_key, kel,"
                + " created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, log.id().toString());
            ps.setString(2, log.kind());
            ps.setLong(3, log.currentSeq());
            ps.setString(4, log.currentKey().b64url());
            ps.setString(5, encode(log));
            ps.setLong(6, nowMs);
            ps.setLong(7, nowMs);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Replaces {@code known} with {@code newer}, which the caller has checked extends it. The update is conditional
     * on the stored seq, so two concurrent rotations cannot both win.
     */
    public boolean advance(Connection c, KeyEventLog known, KeyEventLog newer, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE identities SET seq = ?, current_key = ?, kel = ?,"
                + " updated_ms = ? WHERE id = ? AND seq = ?")) {
            ps.setLong(1, newer.currentSeq());
            ps.setString(2, newer.currentKey().b64url());
            ps.setString(3, encode(newer));
            ps.setLong(4, nowMs);
            ps.setString(5, known.id().toString());
            ps.setLong(6, known.currentSeq());
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * True when the stored history of {@code id} is still at {@code seq}. The no-op update takes the row's write lock
     * (PostgreSQL; SQLite writers are serialized anyway), so a concurrent rotation waits for the caller's transaction:
     * whatever the caller writes next happens while {@code seq} is current.
     */
    public boolean holdCurrent(Connection c, String id, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE identities SET updated_ms = updated_ms WHERE id = ? AND seq = ?")) {
            ps.setString(1, id);
            ps.setLong(2, seq);
            return ps.executeUpdate() == 1;
        }
    }

    public Optional<Stored> find(String id) throws SQLException {
        return db.read(c -> find(c, id));
    }

    /**
     * The stored identity document as it was verified on the way in (canonical JSON), without verifying it again: what
     * the public read serves, so an unauthenticated reader costs the hub no signature checks. Clients verify it.
     */
    public Optional<String> document(String id) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT kel FROM identities WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    public Optional<Stored> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT kel, created_ms FROM identities WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(new Stored(KeyEventLog.fromJson(rs.getString(1).getBytes(StandardCharsets.UTF_8)),
                            rs.getLong(2)));
                } catch (KelException e) {
                    // Stored logs were verified on the way in; failing here means the row was altered.
                    throw new SQLException("stored key event log for " + id + " does not verify: " + e.getMessage());
                }
            }
        }
    }

    /** A stored identity and when it was first registered. */
    public record Stored(KeyEventLog log, long createdMs) {}

    private static String encode(KeyEventLog log) {
        try {
            return CanonicalJson.encodeToString(log.toJson());
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }
}
