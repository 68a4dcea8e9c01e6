package dev.carapace.hub;

import dev.carapace.hub.store.Database;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Who may use a hub's data. A running hub holds its data folder for its whole lifetime through an exclusive OS lock on
 * {@code hub.lock} there ({@link FileChannel#tryLock()}: released by the OS when the process dies, so a crash never
 * leaves a stale lock). Offline maintenance of the master key ({@code carapace hub rotate-master-key} and
 * {@code retire-master-key}) takes the same lock and refuses if a hub holds it.
 *
 * <p>On PostgreSQL several hubs, each with its own data folder, share one database, so a folder lock alone cannot see
 * them: every hub also holds a shared session-level advisory lock on the database for its lifetime (on one pooled
 * connection it keeps), and maintenance takes that lock exclusively, so it refuses while any hub anywhere uses the
 * database, and a hub does not start while maintenance runs.
 */
final class DataLock implements AutoCloseable {
    /** The advisory lock's key: "hub-data" in ASCII (the skill registry's write lock uses another). */
    private static final long ADVISORY_KEY = 0x6875622d64617461L;

    private final FileChannel channel;
    private final FileLock lock;
    private final Connection session;

    private DataLock(FileChannel channel, FileLock lock, Connection session) {
        this.channel = channel;
        this.lock = lock;
        this.session = session;
    }

    /** Held by a running hub: its data folder alone, and the database shared with other hubs. */
    static DataLock forHub(Path dataDir, Database db) throws Hub.StartException {
        return acquire(dataDir, db, false, "another hub process already holds the data folder " + dataDir
                + " (hub.lock); give each hub its own --data", "a master key rotation is running on this database");
    }

    /** Held by offline maintenance of {@code what}: no hub may run on this folder or on this database meanwhile. */
    static DataLock forMaintenance(Path dataDir, Database db, String what) throws Hub.StartException {
        return acquire(dataDir, db, true, what + " refused: a hub is running on the data folder " + dataDir
                + " (it holds hub.lock); stop it first",
                what + " refused: a hub process is running on this database; stop every hub that uses it first");
    }

    private static DataLock acquire(Path dataDir, Database db, boolean exclusiveDb, String folderHeld, String dbHeld)
            throws Hub.StartException {
        FileChannel channel;
        try {
            dev.carapace.crypto.SecureFiles.createPrivateDirectories(dataDir);
            channel = FileChannel.open(dataDir.resolve("hub.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new Hub.StartException("cannot open " + dataDir.resolve("hub.lock") + ": " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process (another hub object in the same JVM)
        } catch (IOException e) {
            closeQuietly(channel);
            throw new Hub.StartException("cannot lock " + dataDir.resolve("hub.lock") + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new Hub.StartException(folderHeld, null);
        }
        Connection session = null;
        if (db.dialect() == Database.Dialect.POSTGRESQL) {
            try {
                session = db.dataSource().getConnection();
                session.setAutoCommit(true);
                boolean granted;
                try (PreparedStatement ps = session.prepareStatement(exclusiveDb
                        ? "SELECT pg_try_advisory_lock(?)" : "SELECT pg_try_advisory_lock_shared(?)")) {
                    ps.setLong(1, ADVISORY_KEY);
                    try (ResultSet rs = ps.executeQuery()) {
                        granted = rs.next() && rs.getBoolean(1);
                    }
                }
                if (!granted) {
                    throw new Hub.StartException(dbHeld, null);
                }
            } catch (SQLException | Hub.StartException e) {
                closeQuietly(session);
                release(lock, channel);
                if (e instanceof Hub.StartException se) {
                    throw se;
                }
                throw new Hub.StartException("cannot lock the database: " + e.getMessage(), e);
            }
        }
        return new DataLock(channel, lock, session);
    }

    /** Releases both locks. Call before the database is closed. */
    @Override
    public void close() {
        if (session != null) {
            // The connection goes back to the pool, not away: its session's advisory lock must be let go explicitly.
            try (PreparedStatement ps = session.prepareStatement("SELECT pg_advisory_unlock_all()")) {
                ps.execute();
            } catch (SQLException e) {
                // the session is broken, and with it the lock
            }
            closeQuietly(session);
        }
        release(lock, channel);
    }

    private static void release(FileLock lock, FileChannel channel) {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // nothing more to release
            }
        }
    }
}
