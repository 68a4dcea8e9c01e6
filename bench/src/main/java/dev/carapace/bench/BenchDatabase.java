package dev.carapace.bench;

import dev.carapace.hub.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;

/**
 * The database a load tool runs on: {@code sqlite} (a fresh file, the default), {@code postgres} (a fresh embedded
 * PostgreSQL server) or a {@code postgresql://} URL.
 */
final class BenchDatabase implements AutoCloseable {
    final Database db;
    private final EmbeddedPostgres embedded;

    private BenchDatabase(Database db, EmbeddedPostgres embedded) {
        this.db = db;
        this.embedded = embedded;
    }

    static BenchDatabase open(String spec) throws Exception {
        var dir = Files.createTempDirectory("carapace-bench");
        if (spec == null || spec.equals("sqlite")) {
            return new BenchDatabase(Database.open(null, dir), null);
        }
        if (spec.equals("postgres")) {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            String url = "postgresql://postgres:postgres@localhost:" + pg.getPort() + "/postgres";
            return new BenchDatabase(Database.open(url, dir), pg);
        }
        return new BenchDatabase(Database.open(spec, dir), null);
    }

    @Override
    public void close() throws Exception {
        db.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
