package dev.carapace.hub.log;

import dev.carapace.crypto.Bytes;
import dev.carapace.hub.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Statements the log owes because a change they describe was committed (a registered identity, an accepted rotation).
 * A statement is written in the change's own transaction, appended to the log once that commits, then removed; at
 * start, whatever a crash left is appended. So no committed change goes unlogged. A crash between the append and the
 * removal logs a statement twice, which is harmless: the log is a record of what happened, not a set.
 */
public final class LogOutbox {
    /** A statement waiting to be logged. */
    public record Pending(String id, byte[] entry, String submittedBy) {}

    private static final java.util.concurrent.atomic.AtomicLong ORDER = new java.util.concurrent.atomic.AtomicLong();

    private final Database db;
    private final TransparencyLog log;
    private final Clock clock;

    public LogOutbox(Database db, TransparencyLog log, Clock clock) {
        this.db = db;
        this.log = log;
        this.clock = clock;
    }

    /** Records a statement inside the caller's transaction; {@link #deliver} it after the commit. */
    public Pending add(Connection c, byte[] entry, String submittedBy) throws SQLException {
        // The id orders statements of one millisecond as this process wrote them (leftovers go out in id order).
        Pending p = new Pending(String.format("%016x", ORDER.incrementAndGet()) + Bytes.hex(Bytes.random(8)),
                entry.clone(), submittedBy);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO log_outbox (id, entry, submitted_by, created_ms) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, p.id());
            ps.setBytes(2, p.entry());
            ps.setString(3, p.submittedBy());
            ps.setLong(4, clock.millis());
            ps.executeUpdate();
        }
        return p;
    }

    /**
     * Appends what {@code owed} lists, after anything older that an earlier failure left in the outbox, so a
     * statement the log could not take is retried by the next change rather than only at the next start. Returns
     * the log index of the last of {@code owed}. On failure everything stays in the outbox.
     */
    public long deliverAfterLeftovers(List<Pending> owed) throws SQLException, TransparencyLog.UnavailableException {
        java.util.Set<String> mine = new java.util.HashSet<>();
        owed.forEach(p -> mine.add(p.id()));
        for (Pending p : pending()) {
            if (!mine.contains(p.id())) {
                deliver(p);
            }
        }
        long last = -1;
        for (Pending p : owed) {
            last = deliver(p);
        }
        return last;
    }

    /** Appends a committed statement and removes it from the outbox; returns its log index. */
    public long deliver(Pending p) throws SQLException, TransparencyLog.UnavailableException {
        // On failure the statement stays in the outbox: the next change or the next start appends it.
        long index = log.sequencer().appendAndWait(p.entry(), p.submittedBy()).index();
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM log_outbox WHERE id = ?")) {
                ps.setString(1, p.id());
                return ps.executeUpdate();
            }
        });
        return index;
    }

    /** Appends what a crash left in the outbox; returns how many statements were delivered. */
    public int deliverLeftovers() throws SQLException, TransparencyLog.UnavailableException {
        List<Pending> left = pending();
        for (Pending p : left) {
            deliver(p);
        }
        return left.size();
    }

    private List<Pending> pending() throws SQLException {
        return db.read(c -> {
            List<Pending> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, entry, submitted_by FROM log_outbox ORDER BY created_ms, id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Pending(rs.getString(1), rs.getBytes(2), rs.getString(3)));
                }
            }
            return out;
        });
    }
}
