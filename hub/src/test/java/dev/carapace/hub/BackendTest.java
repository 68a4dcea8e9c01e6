package dev.carapace.hub;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs every test of a subclass once on SQLite and once on PostgreSQL, each against a fresh hub. */
@ParameterizedClass
@EnumSource(Backend.class)
public abstract class BackendTest {
    @Parameter
    protected Backend backend;

    @TempDir
    protected Path dir;

    protected HubFixture f;

    @BeforeEach
    void startHub() throws Exception {
        f = new HubFixture(backend, dir);
    }

    @AfterEach
    void stopHub() {
        f.close();
    }
}
