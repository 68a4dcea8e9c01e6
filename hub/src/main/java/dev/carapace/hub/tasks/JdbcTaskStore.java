package dev.carapace.hub.tasks;

import dev.carapace.hub.log.LogOutbox;
import dev.carapace.hub.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link TaskStore} in the hub's database (SQLite or PostgreSQL, same SQL). */
public final class JdbcTaskStore implements TaskStore {
    private static final String COLUMNS = "id, requester, topic, sealed, envelope, max_responders, responders,"
            + " deadline_ms, closes_ms, created_ms, room, outcome, outcome_index";

    private final Database db;
    private final LogOutbox logOutbox;

    public JdbcTaskStore(Database db, LogOutbox logOutbox) {
        this.db = db;
        this.logOutbox = logOutbox;
    }

    @Override
    public PostOutcome post(StoredTask t, List<String> recipients, int maxOpen, long now) throws SQLException {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM tasks WHERE requester = ? AND closes_ms > ? AND outcome IS NULL")) {
                ps.setString(1, t.requester());
                ps.setLong(2, now);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= maxOpen) {
                        return new TooManyOpen(maxOpen);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tasks (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, NULL, NULL, NULL)")) {
                ps.setString(1, t.id());
                ps.setString(2, t.requester());
                ps.setString(3, t.topic());
                ps.setInt(4, t.sealed() ? 1 : 0);
                ps.setBytes(5, t.envelope());
                ps.setInt(6, t.maxResponders());
                ps.setLong(7, t.deadlineMs());
                ps.setLong(8, t.closesMs());
                ps.setLong(9, now);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO task_recipients (task_id, agent_id) VALUES (?, ?)")) {
                for (String r : recipients) {
                    ps.setString(1, t.id());
                    ps.setString(2, r);
                    ps.executeUpdate();
                }
            }
            return new Posted();
        });
    }

    private static StoredTask row(ResultSet rs) throws SQLException {
        long index = rs.getLong(13);
        return new StoredTask(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4) != 0, rs.getBytes(5),
                rs.getInt(6), rs.getInt(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getString(11),
                rs.getBytes(12), rs.wasNull() ? null : index);
    }

    private static Optional<StoredTask> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM tasks WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public Optional<StoredTask> find(String id) throws SQLException {
        return db.read(c -> find(c, id));
    }

    @Override
    public boolean visibleTo(StoredTask task, String agent) throws SQLException {
        if (!task.sealed() || task.requester().equals(agent)) {
            return true;
        }
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM task_recipients WHERE task_id = ? AND agent_id = ?")) {
                ps.setString(1, task.id());
                ps.setString(2, agent);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public List<String> recipients(String taskId) throws SQLException {
        return db.read(c -> strings(c, "SELECT agent_id FROM task_recipients WHERE task_id = ? ORDER BY agent_id",
                taskId));
    }

    @Override
    public List<StoredTask> open(String agent, String topic, long now, int limit) throws SQLException {
        String visible = "(t.sealed = 0 OR t.requester = ? OR EXISTS (SELECT 1 FROM task_recipients r"
                + " WHERE r.task_id = t.id AND r.agent_id = ?))";
        String where = topic != null
                ? "t.topic = ? AND " + visible
                : "(t.requester = ? OR EXISTS (SELECT 1 FROM task_recipients r WHERE r.task_id = t.id"
                        + " AND r.agent_id = ?) OR (t.sealed = 0 AND t.topic IN (SELECT s.topic FROM"
                        + " topic_subscriptions s WHERE s.agent_id = ?)))";
        String sql = "SELECT " + COLUMNS.replaceAll("(\\w+)", "t.$1") + " FROM tasks t WHERE t.closes_ms > ?"
                + " AND t.outcome IS NULL AND " + where + " ORDER BY t.created_ms DESC, t.id LIMIT " + limit;
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, now);
                if (topic != null) {
                    ps.setString(2, topic);
                    ps.setString(3, agent);
                    ps.setString(4, agent);
                } else {
                    ps.setString(2, agent);
                    ps.setString(3, agent);
                    ps.setString(4, agent);
                }
                List<StoredTask> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public AnswerOutcome answer(StoredTask task, String responder, String responseId, byte[] envelope, long now)
            throws SQLException {
        return db.inTransaction(c -> {
            StoredTask t = find(c, task.id()).orElse(null);
            if (t == null) {
                return new NoSuchTask();
            }
            if (t.requester().equals(responder)) {
                return new OwnTask();
            }
            if (t.outcome() != null) {
                return new Closed();
            }
            if (now >= t.deadlineMs()) {
                return new DeadlinePassed(t.deadlineMs());
            }
            String held = null;
            boolean exists = false;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT response_id FROM task_responses WHERE task_id = ? AND responder = ?")) {
                ps.setString(1, t.id());
                ps.setString(2, responder);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        exists = true;
                        held = rs.getString(1);
                    }
                }
            }
            if (exists && (held != null || responseId == null)) {
                return new AlreadyAnswered();
            }
            if (exists) {
                // The responder's claim becomes its response; the slot was counted when it was claimed.
                try (PreparedStatement ps = c.prepareStatement("UPDATE task_responses SET response_id = ?,"
                        + " envelope = ?, created_ms = ? WHERE task_id = ? AND responder = ? AND response_id IS NULL")) {
                    ps.setString(1, responseId);
                    ps.setBytes(2, envelope);
                    ps.setLong(3, now);
                    ps.setString(4, t.id());
                    ps.setString(5, responder);
                    if (ps.executeUpdate() != 1) {
                        return new AlreadyAnswered();
                    }
                }
                return new Answered(false);
            }
            // A conditional update takes the slot, so concurrent answers never exceed the room (on either backend).
            try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET responders = responders + 1"
                    + " WHERE id = ? AND responders < max_responders AND outcome IS NULL")) {
                ps.setString(1, t.id());
                if (ps.executeUpdate() != 1) {
                    return new RoomFull(t.maxResponders());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO task_responses (task_id, responder,"
                    + " response_id, envelope, created_ms) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, t.id());
                ps.setString(2, responder);
                ps.setString(3, responseId);
                ps.setBytes(4, envelope);
                ps.setLong(5, now);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (isDuplicateKey(e)) {
                    return new AlreadyAnswered(); // the same responder's concurrent first answer won the key
                }
                throw e;
            }
            return new Answered(responseId == null);
        });
    }

    @Override
    public List<StoredResponse> responses(String taskId) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT responder, response_id, envelope, created_ms"
                    + " FROM task_responses WHERE task_id = ? AND envelope IS NOT NULL ORDER BY created_ms,"
                    + " responder")) {
                ps.setString(1, taskId);
                List<StoredResponse> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new StoredResponse(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getLong(4)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public RoomOutcome setRoom(String taskId, String group) throws SQLException {
        return db.inTransaction(c -> {
            StoredTask t = find(c, taskId).orElse(null);
            if (t == null) {
                return new NoSuchTask();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tasks SET room = ? WHERE id = ? AND room IS NULL")) {
                ps.setString(1, group);
                ps.setString(2, taskId);
                return ps.executeUpdate() == 1 ? new RoomSet() : new RoomAlreadySet(t.room());
            }
        });
    }

    @Override
    public CloseOutcome close(String taskId, byte[] outcome, String requester, long lastCloseMs, long now)
            throws SQLException {
        return db.inTransaction(c -> {
            StoredTask t = find(c, taskId).orElse(null);
            if (t == null) {
                return new NoSuchTask();
            }
            if (now > lastCloseMs) {
                return new Lapsed(lastCloseMs);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE tasks SET outcome = ? WHERE id = ? AND outcome IS NULL")) {
                ps.setBytes(1, outcome);
                ps.setString(2, taskId);
                if (ps.executeUpdate() != 1) {
                    return new Closed();
                }
            }
            return new Recorded(logOutbox.add(c, outcome, requester));
        });
    }

    @Override
    public void outcomeLogged(String taskId, long index) throws SQLException {
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET outcome_index = ? WHERE id = ?")) {
                ps.setLong(1, index);
                ps.setString(2, taskId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public SubscribeOutcome subscribe(String agent, String topic, int max, long now) throws SQLException {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM topic_subscriptions WHERE agent_id = ? AND topic = ?")) {
                ps.setString(1, agent);
                ps.setString(2, topic);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Subscribed(false);
                    }
                }
            }
            if (strings(c, "SELECT topic FROM topic_subscriptions WHERE agent_id = ?", agent).size() >= max) {
                return new TooManySubscriptions(max);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO topic_subscriptions (agent_id, topic, created_ms) VALUES (?, ?, ?)")) {
                ps.setString(1, agent);
                ps.setString(2, topic);
                ps.setLong(3, now);
                ps.executeUpdate();
            }
            return new Subscribed(true);
        });
    }

    @Override
    public boolean unsubscribe(String agent, String topic) throws SQLException {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM topic_subscriptions WHERE agent_id = ? AND topic = ?")) {
                ps.setString(1, agent);
                ps.setString(2, topic);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<String> subscriptions(String agent) throws SQLException {
        return db.read(c -> strings(c, "SELECT topic FROM topic_subscriptions WHERE agent_id = ? ORDER BY topic",
                agent));
    }

    @Override
    public List<String> subscribers(String topic, int limit) throws SQLException {
        return db.read(c -> strings(c, "SELECT agent_id FROM topic_subscriptions WHERE topic = ? ORDER BY"
                + " created_ms LIMIT " + limit, topic));
    }

    /** A primary-key clash: SQLSTATE class 23 (PostgreSQL) or SQLite's constraint error. */
    private static boolean isDuplicateKey(SQLException e) {
        return (e.getSQLState() != null && e.getSQLState().startsWith("23")) || e.getErrorCode() == 19;
    }

    private static List<String> strings(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
