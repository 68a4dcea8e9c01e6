package dev.carapace.hub.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/** {@link SkillRegistryStore} in the hub's database, with the same SQL on SQLite and PostgreSQL. */
public final class JdbcSkillRegistryStore implements SkillRegistryStore {
    /** The PostgreSQL advisory lock every hub process takes for registry writes ("carapace" as a number). */
    private static final long REGISTRY_LOCK = 0x6361726170616365L;

    private final Database db;
    /** Check-then-log-then-store must not interleave, or two claims could both be logged and one silently lost. */
    private final ReentrantLock writes = new ReentrantLock();

    public JdbcSkillRegistryStore(Database db) {
        this.db = db;
    }

    /**
     * One at a time in this process and, on PostgreSQL, across every hub process sharing the database, through a
     * transaction-scoped advisory lock held on its own connection while the work runs (the log's sequencer and the
     * inserts use other connections). SQLite has a single hub process, so the process lock is enough there.
     */
    @Override
    public <T, E extends Exception> T exclusive(Exclusive<T, E> work) throws E, SQLException {
        writes.lock();
        try {
            if (db.dialect() != Database.Dialect.POSTGRESQL) {
                return work.run();
            }
            try (Connection lock = db.dataSource().getConnection()) {
                lock.setAutoCommit(false);
                try {
                    try (PreparedStatement ps = lock.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                        ps.setLong(1, REGISTRY_LOCK);
                        ps.execute();
                    }
                    return work.run();
                } finally {
                    lock.rollback(); // ends the transaction, which releases the lock
                }
            }
        } finally {
            writes.unlock();
        }
    }

    @Override
    public Optional<Namespace> namespace(String namespace) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT owner_id, claim, log_index FROM skill_namespaces WHERE namespace = ?")) {
                ps.setString(1, namespace);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Namespace(namespace, rs.getString(1), rs.getString(2),
                            rs.getLong(3))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<String> namespaces() throws SQLException {
        return column("SELECT namespace FROM skill_namespaces");
    }

    @Override
    public List<String> names() throws SQLException {
        return column("SELECT DISTINCT name FROM skill_versions");
    }

    private List<String> column(String sql) throws SQLException {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    @Override
    public Optional<Published> version(String name, String version) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT digest, publisher_id FROM skill_versions WHERE name = ? AND version = ?")) {
                ps.setString(1, name);
                ps.setString(2, version);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Published(rs.getString(1), rs.getString(2))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public StatementCounts statementCounts(String name, String version, String signer, String kind)
            throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), SUM(CASE WHEN signer_id = ? AND kind = ?"
                    + " THEN 1 ELSE 0 END) FROM skill_attestations WHERE name = ? AND version = ?")) {
                ps.setString(1, signer);
                ps.setString(2, kind);
                ps.setString(3, name);
                ps.setString(4, version);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new StatementCounts(rs.getLong(1), rs.getLong(2));
                }
            }
        });
    }

    @Override
    public void addNamespace(Namespace n, long nowMs) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_namespaces (namespace, owner_id,"
                    + " claim, log_index, created_ms) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, n.namespace());
                ps.setString(2, n.owner());
                ps.setString(3, n.claim());
                ps.setLong(4, n.logIndex());
                ps.setLong(5, nowMs);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void addVersion(NewVersion v, long nowMs) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_versions (name, version, digest,"
                    + " publisher_id, envelope, log_index, confusable_with, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, v.name());
                ps.setString(2, v.version());
                ps.setString(3, v.digest());
                ps.setString(4, v.publisher());
                ps.setString(5, v.envelope());
                ps.setLong(6, v.logIndex());
                ps.setString(7, v.confusableWith());
                ps.setLong(8, nowMs);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void addStatement(NewStatement s, long nowMs) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_attestations (log_index, name,"
                    + " version, digest, kind, signer_id, envelope, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, s.logIndex());
                ps.setString(2, s.name());
                ps.setString(3, s.version());
                ps.setString(4, s.digest());
                ps.setString(5, s.kind());
                ps.setString(6, s.signer());
                ps.setString(7, s.envelope());
                ps.setLong(8, nowMs);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<Listing> search(String needle, int max) throws SQLException {
        return db.read(c -> {
            // Names are [a-z0-9/-] only, so the needle is matched literally once LIKE's own wildcards are escaped.
            String like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            Map<String, Listing> latest = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name, version, publisher_id, created_ms,"
                    + " confusable_with FROM skill_versions WHERE name LIKE ? ESCAPE '\\' ORDER BY name, created_ms")) {
                ps.setString(1, like);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String name = rs.getString(1);
                        latest.put(name, new Listing(name, rs.getString(2), rs.getString(3), rs.getString(5) != null));
                    }
                }
            }
            return latest.values().stream().limit(max).toList();
        });
    }

    @Override
    public List<StoredVersion> versions(String name) throws SQLException {
        return db.read(c -> {
            List<StoredVersion> found = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT v.version, v.digest, v.publisher_id, v.envelope,"
                    + " v.log_index, v.confusable_with, v.created_ms, b.size FROM skill_versions v LEFT JOIN skill_blobs b"
                    + " ON b.digest = v.digest WHERE v.name = ? ORDER BY v.created_ms, v.log_index")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(new StoredVersion(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getLong(5), rs.getString(6), rs.getLong(7), rs.getLong(8), List.of()));
                    }
                }
            }
            List<StoredVersion> out = new ArrayList<>(found.size());
            for (StoredVersion v : found) {
                out.add(new StoredVersion(v.version(), v.digest(), v.publisher(), v.envelope(), v.logIndex(),
                        v.confusableWith(), v.publishedMs(), v.size(), statements(c, name, v.version(), v.digest())));
            }
            return out;
        });
    }

    private static List<StoredStatement> statements(Connection c, String name, String version, String digest)
            throws SQLException {
        record Row(String kind, String signer, String envelope, long logIndex, long createdMs) {}
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT kind, signer_id, envelope, log_index, created_ms"
                + " FROM skill_attestations WHERE name = ? AND version = ? AND digest = ? ORDER BY log_index")) {
            ps.setString(1, name);
            ps.setString(2, version);
            ps.setString(3, digest);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
                }
            }
        }
        List<StoredStatement> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new StoredStatement(r.kind(), r.signer(), r.envelope(), r.logIndex(), r.createdMs(),
                    signer(c, r.signer())));
        }
        return out;
    }

    private static SignerRecord signer(Connection c, String signer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT i.created_ms, o.created_ms, l.owner_id, l.linked_ms,"
                + " l.consent FROM identities i LEFT JOIN owners o ON o.id = i.id"
                + " LEFT JOIN agent_owners l ON l.agent_id = i.id WHERE i.id = ?")) {
            ps.setString(1, signer);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Unaffiliated();
                }
                long registered = rs.getLong(1);
                long ownerSince = rs.getLong(2);
                if (!rs.wasNull()) {
                    return new Owner(registered, ownerSince);
                }
                String linkedTo = rs.getString(3);
                return linkedTo == null ? new Unaffiliated()
                        : new LinkedAgent(linkedTo, registered, rs.getLong(4), rs.getString(5));
            }
        }
    }
}
