package dev.carapace.hub.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** {@link GroupLog} on the hub's database (SQLite or PostgreSQL). */
public final class JdbcGroupLog implements GroupLog {
    private final Database db;

    public JdbcGroupLog(Database db) {
        this.db = db;
    }

    @Override
    public Creation create(NewGroup g, long nowMs) throws SQLException {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_groups (id, epoch, next_seq,"
                    + " created_ms) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, g.group());
                ps.setLong(2, g.epoch());
                ps.setLong(3, nowMs);
                if (ps.executeUpdate() != 1) {
                    return new GroupExists();
                }
            }
            if (g.directWith() != null) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_direct (pair_key, group_id)"
                        + " VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                    ps.setString(1, pairKey(g.creator().agent(), g.directWith()));
                    ps.setString(2, g.group());
                    if (ps.executeUpdate() != 1) {
                        return new DirectExists();
                    }
                }
            }
            route(c, g.group(), g.creator(), 0);
            setAdmins(c, g.group(), g.admins());
            if (g.groupInfo() != null) {
                storeGroupInfo(c, g.group(), g.epoch(), g.groupInfo(), nowMs);
            }
            return new Created();
        });
    }

    /** The two ids, sorted, joined by '|': one key per pair whichever of the two asks. */
    private static String pairKey(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    @Override
    public Optional<String> direct(String agent, String other) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT group_id FROM chat_direct WHERE pair_key = ?")) {
                ps.setString(1, pairKey(agent, other));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public CommitOutcome commit(Commit m, ResyncCheck resync, long nowMs) throws SQLException {
        String group = m.group();
        return db.inTransaction(c -> {
            if (!isMember(c, group, m.sender())) {
                return new NotMember();
            }
            if (m.external()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT body FROM chat_group_info WHERE group_id = ?")) {
                    ps.setString(1, group);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            return new NoGroupInfo();
                        }
                        try {
                            resync.check(rs.getBytes(1));
                        } catch (Exception e) {
                            return new ResyncRefused(e);
                        }
                    }
                }
            }
            // The policy in force before the commit decides, as in every member's client (GroupPolicy.checkCommit).
            Set<String> admins = admins(c, group);
            boolean isAdmin = admins.contains(m.sender().agent());
            if ((!m.add().isEmpty() || !m.remove().isEmpty()) && !isAdmin) {
                return new NotAdmin();
            }
            boolean policyChanged = m.adminsAfter() != null && !m.adminsAfter().equals(admins);
            if (policyChanged && (m.external() || !isAdmin)) {
                // Members refuse such a commit, so accepting it would only stall the group.
                return new PolicyChangeRefused(m.external());
            }
            if (policyChanged) {
                setAdmins(c, group, m.adminsAfter());
            }
            int slots = 1 + m.add().size();
            // The conditional update is the ordering point: of two commits for one epoch, exactly one matches.
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_groups SET epoch = epoch + 1,"
                    + " next_seq = next_seq + ? WHERE id = ? AND epoch = ?")) {
                ps.setInt(1, slots);
                ps.setString(2, group);
                ps.setLong(3, m.epoch());
                if (ps.executeUpdate() != 1) {
                    return new EpochConflict(currentEpoch(c, group));
                }
            }
            long first = nextSeq(c, group) - slots;
            insertMessage(c, group, first, "commit", m.epoch(), m.sender(), null, m.commit(), nowMs);
            for (Installation r : m.remove()) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE chat_members SET until_seq = ? WHERE"
                        + " group_id = ? AND agent_id = ? AND installation = ? AND until_seq IS NULL")) {
                    ps.setLong(1, first);
                    ps.setString(2, group);
                    ps.setString(3, r.agent());
                    ps.setString(4, r.installation());
                    ps.executeUpdate();
                }
            }
            for (int i = 0; i < m.add().size(); i++) {
                Installation r = m.add().get(i);
                insertMessage(c, group, first + 1 + i, "welcome", m.epoch() + 1, m.sender(), r, m.welcome(), nowMs);
                route(c, group, r, first + i);
            }
            if (m.groupInfo() != null) {
                storeGroupInfo(c, group, m.epoch() + 1, m.groupInfo(), nowMs);
            } else {
                // A GroupInfo of an older epoch would only send rejoining members into a stale epoch.
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_group_info WHERE group_id = ?")) {
                    ps.setString(1, group);
                    ps.executeUpdate();
                }
            }
            return new Committed(first, routedInstallations(c, group, true));
        });
    }

    @Override
    public Append append(String group, Installation sender, long epoch, byte[] message, long nowMs)
            throws SQLException {
        return db.inTransaction(c -> {
            if (!isMember(c, group, sender)) {
                return new NotMember();
            }
            // Only messages of the current epoch: every recipient then decrypts with the state it has, in order.
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_groups SET next_seq = next_seq + 1"
                    + " WHERE id = ? AND epoch = ?")) {
                ps.setString(1, group);
                ps.setLong(2, epoch);
                if (ps.executeUpdate() != 1) {
                    return new StaleEpoch(currentEpoch(c, group));
                }
            }
            long s = nextSeq(c, group) - 1;
            insertMessage(c, group, s, "application", epoch, sender, null, message, nowMs);
            return new Appended(s, routedInstallations(c, group, false));
        });
    }

    @Override
    public Departure leave(String group, Installation member, long nowMs) throws SQLException {
        return db.inTransaction(c -> {
            if (!isMember(c, group, member)) {
                return new NotMember();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_groups SET next_seq = next_seq + 1"
                    + " WHERE id = ?")) {
                ps.setString(1, group);
                ps.executeUpdate();
            }
            long s = nextSeq(c, group) - 1;
            insertMessage(c, group, s, "leave", currentEpoch(c, group), member, null, new byte[0], nowMs);
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_members SET until_seq = ? WHERE"
                    + " group_id = ? AND agent_id = ? AND installation = ?")) {
                ps.setLong(1, s);
                ps.setString(2, group);
                ps.setString(3, member.agent());
                ps.setString(4, member.installation());
                ps.executeUpdate();
            }
            return new Left(routedInstallations(c, group, false));
        });
    }

    @Override
    public GroupInfoRead groupInfo(String group, Installation reader) throws SQLException {
        return db.read(c -> {
            if (!isMember(c, group, reader)) {
                return new NotMember();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT g.epoch, i.epoch, i.body FROM chat_groups g"
                    + " JOIN chat_group_info i ON i.group_id = g.id WHERE g.id = ?")) {
                ps.setString(1, group);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new GroupInfo(rs.getLong(1), rs.getLong(2), rs.getBytes(3))
                            : new NoGroupInfo();
                }
            }
        });
    }

    private static boolean isMember(Connection c, String group, Installation i) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chat_members WHERE group_id = ?"
                + " AND agent_id = ? AND installation = ? AND until_seq IS NULL")) {
            ps.setString(1, group);
            ps.setString(2, i.agent());
            ps.setString(3, i.installation());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void route(Connection c, String group, Installation i, long ackedSeq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_members (group_id, agent_id, installation,"
                + " acked_seq, until_seq) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (group_id, agent_id,"
                + " installation) DO UPDATE SET acked_seq = excluded.acked_seq, until_seq = NULL")) {
            ps.setString(1, group);
            ps.setString(2, i.agent());
            ps.setString(3, i.installation());
            ps.setLong(4, ackedSeq);
            ps.executeUpdate();
        }
    }

    /** The agents the group's policy names as admins, as the hub last read it. */
    private static Set<String> admins(Connection c, String group) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT agent_id FROM chat_group_admins WHERE group_id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void setAdmins(Connection c, String group, Set<String> admins) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_group_admins WHERE group_id = ?")) {
            ps.setString(1, group);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_group_admins (group_id, agent_id)"
                + " VALUES (?, ?)")) {
            for (String a : admins) {
                ps.setString(1, group);
                ps.setString(2, a);
                ps.executeUpdate();
            }
        }
    }

    private static void storeGroupInfo(Connection c, String group, long epoch, byte[] body, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_group_info (group_id, epoch, body,"
                + " created_ms) VALUES (?, ?, ?, ?) ON CONFLICT (group_id) DO UPDATE SET epoch = excluded.epoch,"
                + " body = excluded.body, created_ms = excluded.created_ms")) {
            ps.setString(1, group);
            ps.setLong(2, epoch);
            ps.setBytes(3, body);
            ps.setLong(4, now);
            ps.executeUpdate();
        }
    }

    private static long nextSeq(Connection c, String group) throws SQLException {
        return groupColumn(c, group, "next_seq");
    }

    private static long currentEpoch(Connection c, String group) throws SQLException {
        return groupColumn(c, group, "epoch");
    }

    private static long groupColumn(Connection c, String group, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM chat_groups WHERE id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    // Callers checked membership in this transaction, and a member's group is never deleted.
                    throw new SQLException("group vanished");
                }
                return rs.getLong(1);
            }
        }
    }

    private static void insertMessage(Connection c, String group, long seq, String kind, long epoch,
                                      Installation sender, Installation recipient, byte[] body, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_messages (group_id, seq, kind, epoch,"
                + " sender_agent, sender_installation, recipient_agent, recipient_installation, body, created_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, group);
            ps.setLong(2, seq);
            ps.setString(3, kind);
            ps.setLong(4, epoch);
            ps.setString(5, sender.agent());
            ps.setString(6, sender.installation());
            ps.setString(7, recipient == null ? null : recipient.agent());
            ps.setString(8, recipient == null ? null : recipient.installation());
            ps.setBytes(9, body);
            ps.setLong(10, now);
            ps.executeUpdate();
        }
    }

    /** The installations the group is routed to (with those removed but still reading up to their end, if asked). */
    private static Set<Installation> routedInstallations(Connection c, String group, boolean includingRemoved)
            throws SQLException {
        Set<Installation> out = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, installation, until_seq FROM chat_members"
                + " WHERE group_id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getLong(3);
                    if (includingRemoved || rs.wasNull()) {
                        out.add(new Installation(rs.getString(1), rs.getString(2)));
                    }
                }
            }
        }
        return out;
    }
}
