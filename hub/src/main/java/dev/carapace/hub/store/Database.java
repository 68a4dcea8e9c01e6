package dev.carapace.hub.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.carapace.hub.limits.HubLimits;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The hub's database: an embedded SQLite file by default, PostgreSQL for several hub processes sharing one network.
 * Both run the same migrations and the same SQL; only the binary column type differs.
 */
public final class Database implements AutoCloseable {
    public enum Dialect { SQLITE, POSTGRESQL }

    private final HikariDataSource pool;
    private final Dialect dialect;
    // SQLite admits one writer; its busy handler sleeps in whole milliseconds, so writers queue here instead.
    private final java.util.concurrent.locks.ReentrantLock sqliteWriter = new java.util.concurrent.locks.ReentrantLock();

    private Database(HikariDataSource pool, Dialect dialect) {
        this.pool = pool;
        this.dialect = dialect;
    }

    /** Opens {@code url} ({@code postgresql://user:pass@host:port/db}, a JDBC URL) or a SQLite file under dataDir. */
    public static Database open(String url, Path dataDir) throws SQLException {
        HikariConfig cfg = new HikariConfig();
        Dialect dialect;
        if (url == null || url.isBlank()) {
            try {
                // The folder holds the hub's keys: owner-only from the start.
                dev.carapace.crypto.SecureFiles.createPrivateDirectories(dataDir);
            } catch (java.io.IOException e) {
                throw new SQLException("cannot create data folder " + dataDir + ": " + e.getMessage());
            }
            url = "jdbc:sqlite:" + dataDir.resolve("hub.db").toAbsolutePath();
        }
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            URI u = URI.create(url);
            cfg.setJdbcUrl("jdbc:postgresql://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
                    + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
            if (u.getRawUserInfo() != null) {
                String[] parts = u.getRawUserInfo().split(":", 2);
                cfg.setUsername(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
                if (parts.length == 2) {
                    cfg.setPassword(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
                }
            }
            dialect = Dialect.POSTGRESQL;
        } else if (url.startsWith("jdbc:postgresql:")) {
            cfg.setJdbcUrl(url);
            dialect = Dialect.POSTGRESQL;
        } else if (url.startsWith("jdbc:sqlite:")) {
            cfg.setJdbcUrl(url);
            dialect = Dialect.SQLITE;
        } else {
            throw new SQLException("unsupported database URL (use postgresql://… or a SQLite jdbc URL)");
        }
        if (dialect == Dialect.SQLITE) {
            // One writer at a time is SQLite's model; WAL lets readers go on meanwhile. secure_delete overwrites
            // freed pages, so deleted rows do not linger in the file.
            cfg.setMaximumPoolSize(HubLimits.DB_CONNECTIONS_SQLITE);
            cfg.addDataSourceProperty("journal_mode", "WAL");
            cfg.addDataSourceProperty("synchronous", "NORMAL");
            cfg.addDataSourceProperty("busy_timeout", String.valueOf(HubLimits.SQLITE_BUSY_TIMEOUT_MS));
            cfg.addDataSourceProperty("secure_delete", "true");
            cfg.addDataSourceProperty("foreign_keys", "true");
            cfg.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        } else {
            cfg.setMaximumPoolSize(HubLimits.DB_CONNECTIONS_POSTGRES);
        }
        cfg.setPoolName("carapace-" + dialect.name().toLowerCase());
        HikariDataSource pool = new HikariDataSource(cfg);
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .placeholders(Map.of("blob", dialect == Dialect.SQLITE ? "BLOB" : "BYTEA"))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new SQLException("database migration failed: " + e.getMessage(), e);
        }
        return new Database(pool, dialect);
    }

    public Dialect dialect() {
        return dialect;
    }

    public DataSource dataSource() {
        return pool;
    }

    /** Work done inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Marks an outcome that refuses a unit of work (for example {@code EpochConflict} or {@code NotMember}): when the
     * work returns one, {@link #inTransaction} rolls back instead of committing and hands the outcome to the caller
     * as a value. Stores return sealed outcomes, some of them refusals, so a refusal needs no exception to leave a
     * transaction and the route maps each outcome to its answer.
     */
    public interface Refusal {}

    /**
     * Runs {@code work} in one transaction: all of it is committed, or none of it. A result that is a {@link Refusal}
     * rolls back and is returned as it is; an exception rolls back and is rethrown.
     */
    public <T> T inTransaction(Work<T> work) throws SQLException {
        if (dialect == Dialect.SQLITE) {
            sqliteWriter.lock();
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                if (result instanceof Refusal) {
                    c.rollback();
                } else {
                    c.commit();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } finally {
            if (dialect == Dialect.SQLITE) {
                sqliteWriter.unlock();
            }
        }
    }

    /** A single-statement write with auto-commit. */
    public <T> T write(Work<T> work) throws SQLException {
        if (dialect == Dialect.SQLITE) {
            sqliteWriter.lock();
        }
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } finally {
            if (dialect == Dialect.SQLITE) {
                sqliteWriter.unlock();
            }
        }
    }

    /** Runs a read (or a single-statement write) with auto-commit. */
    public <T> T read(Work<T> work) throws SQLException {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
