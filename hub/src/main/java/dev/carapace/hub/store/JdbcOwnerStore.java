package dev.carapace.hub.store;

import dev.carapace.crypto.Bytes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** {@link OwnerStore} in the hub's database, with the same SQL on SQLite and PostgreSQL. */
public final class JdbcOwnerStore implements OwnerStore {
    private final Database db;

    public JdbcOwnerStore(Database db) {
        this.db = db;
    }

    @Override
    public boolean insert(Connection c, SealedOwner o) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO owners (id, master_key_id, wrapped_key, email_ct,"
                + " name_ct, created_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, o.id());
            ps.setString(2, o.masterKeyId());
            ps.setBytes(3, o.wrappedKey());
            ps.setBytes(4, o.emailSealed());
            ps.setBytes(5, o.nameSealed());
            ps.setLong(6, o.createdMs());
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public Optional<SealedOwner> find(Connection c, String ownerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT master_key_id, wrapped_key, email_ct, name_ct,"
                + " created_ms FROM owners WHERE id = ?")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new SealedOwner(ownerId, rs.getString(1), rs.getBytes(2),
                        rs.getBytes(3), rs.getBytes(4), rs.getLong(5))) : Optional.empty();
            }
        }
    }

    @Override
    public boolean exists(Connection c, String ownerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM owners WHERE id = ?")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public boolean insertLink(Connection c, String agentId, String ownerId, String consent, long nowMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO agent_owners (agent_id, owner_id, consent,"
                + " linked_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, agentId);
            ps.setString(2, ownerId);
            ps.setString(3, consent);
            ps.setLong(4, nowMs);
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public Optional<String> ownerOf(String agentId) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner_id FROM agent_owners WHERE agent_id = ?")) {
                ps.setString(1, agentId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<String> agentsOf(Connection c, String ownerId) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT agent_id FROM agent_owners WHERE owner_id = ? ORDER BY agent_id")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    @Override
    public void logAccess(Connection c, String ownerId, Access a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO access_log (id, owner_id, at_ms, actor, action,"
                + " detail) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, Bytes.hex(Bytes.random(16)));
            ps.setString(2, ownerId);
            ps.setLong(3, a.atMs());
            ps.setString(4, a.actor());
            ps.setString(5, a.action());
            ps.setString(6, a.detail());
            ps.executeUpdate();
        }
    }

    @Override
    public List<Access> accessLog(Connection c, String ownerId) throws SQLException {
        List<Access> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT at_ms, actor, action, detail FROM access_log"
                + " WHERE owner_id = ? ORDER BY at_ms, id")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Access(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    @Override
    public Deletion delete(String ownerId) throws SQLException {
        return db.inTransaction(c -> {
            if (!exists(c, ownerId)) {
                return new NoSuchOwner();
            }
            List<String> agents = agentsOf(c, ownerId);
            for (String sql : List.of("DELETE FROM owners WHERE id = ?", "DELETE FROM agent_owners WHERE owner_id = ?",
                    "DELETE FROM access_log WHERE owner_id = ?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, ownerId);
                    ps.executeUpdate();
                }
            }
            return new Deleted(List.copyOf(agents));
        });
    }

    @Override
    public List<WrappedKey> wrappedKeys(Connection c) throws SQLException {
        List<WrappedKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, master_key_id, wrapped_key FROM owners ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new WrappedKey(rs.getString(1), rs.getString(2), rs.getBytes(3)));
            }
        }
        return out;
    }

    @Override
    public void rewrap(Connection c, String ownerId, String masterKeyId, byte[] wrappedKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE owners SET master_key_id = ?, wrapped_key = ? WHERE id = ?")) {
            ps.setString(1, masterKeyId);
            ps.setBytes(2, wrappedKey);
            ps.setString(3, ownerId);
            ps.executeUpdate();
        }
    }

    @Override
    public Map<String, Integer> dataKeysByMasterKey() throws SQLException {
        return db.read(c -> {
            Map<String, Integer> out = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT master_key_id, COUNT(*) FROM owners GROUP BY master_key_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
            return out;
        });
    }
}
