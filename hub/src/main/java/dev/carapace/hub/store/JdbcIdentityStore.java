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

/** {@link IdentityStore} on the hub's database (SQLite or PostgreSQL). */
public final class JdbcIdentityStore implements IdentityStore {
    private final Database db;

    public JdbcIdentityStore(Database db) {
        this.db = db;
    }

    @Override
    public <T> Registration<T> register(KeyEventLog log, long nowMs, Alongside<T> alongside) throws SQLException {
        return db.inTransaction(c -> insert(c, log, nowMs)
                ? new Registered<>(alongside.run(c, 0)) : new AlreadyRegistered<>());
    }

    @Override
    public <T> Extension<T> extend(KeyEventLog newer, long nowMs, Alongside<T> alongside) throws SQLException {
        return db.inTransaction(c -> {
            Optional<Stored> stored = find(c, newer.id().toString());
            if (stored.isEmpty()) {
                return new UnknownIdentity<>();
            }
            KeyEventLog known = stored.get().log();
            try {
                known.requireExtendedBy(newer);
            } catch (KelException e) {
                return new Fork<>(e.getMessage());
            }
            if (newer.currentSeq() <= known.currentSeq() || !advance(c, known, newer, nowMs)) {
                return new NotNewer<>();
            }
            return new Extended<>(alongside.run(c, (int) known.currentSeq() + 1));
        });
    }

    @Override
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
    private static boolean advance(Connection c, KeyEventLog known, KeyEventLog newer, long nowMs)
            throws SQLException {
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
     * The no-op update takes the row's write lock (PostgreSQL; SQLite writers are serialized anyway), so a concurrent
     * rotation waits for the caller's transaction.
     */
    @Override
    public boolean holdCurrent(Connection c, String id, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE identities SET updated_ms = updated_ms WHERE id = ? AND seq = ?")) {
            ps.setString(1, id);
            ps.setLong(2, seq);
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public Optional<Stored> find(String id) throws SQLException {
        return db.read(c -> find(c, id));
    }

    @Override
    public Optional<CurrentKey> currentKey(String id) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, kind, current_key FROM identities WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new CurrentKey(rs.getLong(1), rs.getString(2), rs.getString(3)))
                            : Optional.empty();
                }
            }
        });
    }

    @Override
    public Optional<Long> createdMs(String id) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT created_ms FROM identities WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
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

    private static Optional<Stored> find(Connection c, String id) throws SQLException {
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

    private static String encode(KeyEventLog log) {
        try {
            return CanonicalJson.encodeToString(log.toJson());
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }
}
