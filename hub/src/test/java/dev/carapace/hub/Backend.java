package dev.carapace.hub;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** The two storage backends every hub test runs against. PostgreSQL is embedded and started once per test JVM. */
public enum Backend {
    SQLITE,
    POSTGRESQL;

    private static EmbeddedPostgres postgres;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** A database URL for a fresh, empty database (null means the hub's default SQLite file in its data folder). */
    public String freshDatabase(Path dataDir) throws Exception {
        if (this == SQLITE) {
            return null;
        }
        EmbeddedPostgres pg = postgres();
        String name = "hub" + DATABASES.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "postgresql://postgres:postgres@localhost:" + pg.getPort() + "/" + name;
    }

    public static synchronized EmbeddedPostgres postgres() throws Exception {
        if (postgres == null) {
            postgres = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (Exception e) {
                    // the JVM is exiting
                }
            }));
        }
        return postgres;
    }
}
