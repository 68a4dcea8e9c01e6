package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The test of the whole: run a realistic scenario, then read the raw database as a thief would (the SQLite files byte
 * by byte, every PostgreSQL table) and show it holds no planted email, name or secret, and nothing that lets anyone
 * authenticate.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class BreachDrillTest {
    @Parameter
    Backend backend;

    @TempDir
    Path dir;

    @Test
    void aFullDumpYieldsNoCredentialAndNoReadablePii() throws Exception {
        List<String> planted = new ArrayList<>();
        List<HubFixture.Party> agents = new ArrayList<>();
        String dbUrl;
        try (HubFixture f = new HubFixture(backend, dir)) {
            dbUrl = f.dbUrl;
            for (int i = 0; i < 12; i++) {
                String email = "planted.owner" + i + "." + Bytes.hex(Bytes.random(4)) + "@example.org";
                String name = "Planted Person " + Bytes.hex(Bytes.random(4));
                planted.add(email);
                planted.add(name);
                HubFixture.Party owner = f.owner(email, name);
                for (int j = 0; j < 2; j++) {
                    HubFixture.Party agent = f.agent();
                    f.link(owner, agent);
                    agents.add(agent);
                    planted.add(Bytes.b64url(agent.key().seed()));
                    planted.add(Bytes.b64url(agent.next().seed()));
                }
                f.client.export(owner.signer(), owner.id());
                if (i % 4 == 0) {
                    f.client.deleteOwner(owner.signer(), owner.id());
                }
            }
        }

        byte[] dump = backend == Backend.SQLITE ? sqliteFiles() : postgresDump(dbUrl);
        String text = new String(dump, StandardCharsets.ISO_8859_1);
        String utf8 = new String(dump, StandardCharsets.UTF_8);
        for (String secret : planted) {
            assertThat(text.contains(secret) || utf8.contains(secret)).as("dump holds %s", secret).isFalse();
            assertThat(text.contains(Bytes.b64(secret.getBytes(StandardCharsets.UTF_8)))).isFalse();
        }
        assertThat(utf8).doesNotContain("@example.org").doesNotContain("Planted Person");

        // What the dump does hold (public keys, key event logs, signed consents) does not authenticate anyone:
        // a request needs a fresh signature by a private key, and no private key is in the dump.
        try (HubFixture again = new HubFixture(backend, dir, dbUrl, HubFixture.generousLimits())) {
            HubFixture.Party victim = agents.get(1);
            Signer impostor = new Signer(victim.log().currentKeyId(), Ed25519KeyPair.generate());
            try {
                again.client.agentOwner(impostor, victim.id());
                throw new AssertionError("an impostor authenticated");
            } catch (HubException e) {
                assertThat(e.status()).isEqualTo(401);
            }
        }
    }

    private byte[] sqliteFiles() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("hub.db")).toList()) {
                out.write(Files.readAllBytes(p));
            }
        }
        assertThat(out.size()).isGreaterThan(0);
        return out.toByteArray();
    }

    private byte[] postgresDump(String url) throws Exception {
        java.net.URI u = java.net.URI.create(url);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + u.getPort()
                + u.getPath(), "postgres", "postgres"); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).contains("identities", "owners", "access_log", "nonces", "agent_owners");
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + t + "\"")) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            byte[] b = rs.getBytes(i);
                            if (b != null) {
                                out.write(b);
                                out.write('\n');
                            }
                        }
                    }
                }
            }
        }
        return out.toByteArray();
    }
}
