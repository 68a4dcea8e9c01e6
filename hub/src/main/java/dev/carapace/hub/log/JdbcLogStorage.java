package dev.carapace.hub.log;

import dev.carapace.hub.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link LogStorage} in the hub's database, with the same SQL on SQLite and PostgreSQL. */
public final class JdbcLogStorage implements LogStorage {
    private final Database db;

    public JdbcLogStorage(Database db) {
        this.db = db;
    }

    @Override
    public <T> T write(WriteWork<T> work) throws SQLException {
        return db.inTransaction(c -> work.run(new JdbcWriter(c)));
    }

    private record JdbcWriter(Connection c) implements Writer {
        @Override
        public long size() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public List<byte[]> leafHashes(long size) throws SQLException {
            return range(c, "leaf_hash", 0, size);
        }

        @Override
        public void addEntries(long first, List<NewEntry> entries, long nowMs) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO log_entries (idx, leaf_hash, entry,"
                    + " submitted_by, created_ms) VALUES (?, ?, ?, ?, ?)")) {
                long idx = first;
                for (NewEntry e : entries) {
                    ps.setLong(1, idx++);
                    ps.setBytes(2, e.leafHash());
                    ps.setBytes(3, e.entry());
                    ps.setString(4, e.submittedBy());
                    ps.setLong(5, nowMs);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }

        @Override
        public void addCheckpoint(long size, byte[] root, String note, long nowMs) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO log_checkpoints (size, root, note, created_ms)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setLong(1, size);
                ps.setBytes(2, root);
                ps.setString(3, note);
                ps.setLong(4, nowMs);
                ps.executeUpdate();
            }
        }
    }

    @Override
    public long checkpointedSize() throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT MAX(size) FROM log_checkpoints");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public List<byte[]> leafHashes(long from, long to) throws SQLException {
        return db.read(c -> range(c, "leaf_hash", from, to));
    }

    @Override
    public List<byte[]> entries(long from, long to) throws SQLException {
        return db.read(c -> range(c, "entry", from, to));
    }

    private static List<byte[]> range(Connection c, String column, long from, long to) throws SQLException {
        List<byte[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + column
                + " FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getBytes(1));
                }
            }
        }
        return out;
    }

    @Override
    public Optional<byte[]> entry(long index) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT entry FROM log_entries WHERE idx = ?")) {
                ps.setLong(1, index);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public StoredCheckpoint latestCheckpoint() throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return withCosignatures(c, rs.getLong(1), rs.getString(2));
            }
        });
    }

    @Override
    public Optional<StoredCheckpoint> witnessedCheckpoint(int k) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT k.size, k.note FROM log_checkpoints k"
                    + " JOIN log_cosignatures w ON w.size = k.size GROUP BY k.size, k.note HAVING COUNT(*) >= ?"
                    + " ORDER BY k.size DESC LIMIT 1")) {
                ps.setInt(1, k);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(withCosignatures(c, rs.getLong(1), rs.getString(2)))
                            : Optional.empty();
                }
            }
        });
    }

    private static StoredCheckpoint withCosignatures(Connection c, long size, String note) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT line FROM log_cosignatures WHERE size = ? ORDER BY witness")) {
            ps.setLong(1, size);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        }
        return new StoredCheckpoint(size, note, List.copyOf(lines));
    }

    @Override
    public Optional<byte[]> checkpointRoot(long size) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT root FROM log_checkpoints WHERE size = ?")) {
                ps.setLong(1, size);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void addCosignatures(long size, Map<String, String> lines, long nowMs) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO log_cosignatures (size, witness, line,"
                    + " created_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (Map.Entry<String, String> e : lines.entrySet()) {
                    ps.setLong(1, size);
                    ps.setString(2, e.getKey());
                    ps.setString(3, e.getValue());
                    ps.setLong(4, nowMs);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }
}
