package dev.carapace.hub.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** {@link InboxStore} on the hub's database (SQLite or PostgreSQL). */
public final class JdbcInboxStore implements InboxStore {
    private final Database db;

    public JdbcInboxStore(Database db) {
        this.db = db;
    }

    @Override
    public boolean knows(String agent, String installation) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chat_key_packages WHERE agent_id = ? AND"
                    + " installation = ? UNION ALL SELECT 1 FROM chat_members WHERE agent_id = ? AND"
                    + " installation = ?")) {
                ps.setString(1, agent);
                ps.setString(2, installation);
                ps.setString(3, agent);
                ps.setString(4, installation);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public List<Item> pending(String agent, String installation, int limit) throws SQLException {
        return db.read(c -> {
            List<Item> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT m.group_id, m.seq, m.kind, m.epoch,"
                    + " m.sender_agent, m.sender_installation, m.body FROM chat_members mb JOIN chat_messages m"
                    + " ON m.group_id = mb.group_id AND m.seq > mb.acked_seq"
                    + " AND (mb.until_seq IS NULL OR m.seq <= mb.until_seq)"
                    + " WHERE mb.agent_id = ? AND mb.installation = ?"
                    + " AND NOT (m.sender_agent = mb.agent_id AND m.sender_installation = mb.installation)"
                    + " AND (m.recipient_installation IS NULL OR (m.recipient_agent = mb.agent_id"
                    + " AND m.recipient_installation = mb.installation))"
                    // A denied sender's texts and invitations are dropped; its commits are not, or the
                    // recipient's group state would fall behind everyone else's.
                    + " AND NOT (m.kind IN ('application', 'welcome') AND EXISTS (SELECT 1 FROM chat_denials d"
                    + " WHERE d.agent_id = mb.agent_id AND d.denied_id = m.sender_agent))"
                    + " ORDER BY m.group_id, m.seq LIMIT ?")) {
                ps.setString(1, agent);
                ps.setString(2, installation);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Item(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4),
                                rs.getString(5), rs.getString(6), rs.getBytes(7)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void acknowledge(String agent, String installation, List<Ack> acks) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_members SET acked_seq = ? WHERE"
                    + " group_id = ? AND agent_id = ? AND installation = ? AND acked_seq < ?")) {
                for (Ack a : acks) {
                    ps.setLong(1, a.seq());
                    ps.setString(2, a.group());
                    ps.setString(3, agent);
                    ps.setString(4, installation);
                    ps.setLong(5, a.seq());
                    ps.executeUpdate();
                }
            }
            // Removed or departed installations that have read everything are no longer routed at all.
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_members WHERE agent_id = ? AND"
                    + " installation = ? AND until_seq IS NOT NULL AND acked_seq >= until_seq")) {
                ps.setString(1, agent);
                ps.setString(2, installation);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void deny(String agent, String other, long nowMs) throws SQLException {
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_denials (agent_id, denied_id,"
                    + " created_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, agent);
                ps.setString(2, other);
                ps.setLong(3, nowMs);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void allow(String agent, String other) throws SQLException {
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_denials WHERE agent_id = ? AND"
                    + " denied_id = ?")) {
                ps.setString(1, agent);
                ps.setString(2, other);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean denies(String agent, String other) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chat_denials WHERE agent_id = ? AND"
                    + " denied_id = ?")) {
                ps.setString(1, agent);
                ps.setString(2, other);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public void purge(long cutoffMs) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_messages WHERE created_ms < ?")) {
                ps.setLong(1, cutoffMs);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_messages WHERE seq <= (SELECT"
                    + " MIN(mb.acked_seq) FROM chat_members mb WHERE mb.group_id = chat_messages.group_id)")) {
                ps.executeUpdate();
            }
            return null;
        });
    }
}
