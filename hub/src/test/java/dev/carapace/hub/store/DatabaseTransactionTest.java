package dev.carapace.hub.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.carapace.hub.BackendTest;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** A unit of work ends in exactly one of: committed outcome, rolled-back refusal, rolled-back exception. */
class DatabaseTransactionTest extends BackendTest {
    private sealed interface Outcome permits Done, Refused {}

    private record Done() implements Outcome {}

    private record Refused(String why) implements Outcome, Database.Refusal {}

    private static void insertNonce(Connection c, String nonce) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO nonces(keyid, nonce, expires_ms) VALUES ('test#0', ?, ?)")) {
            st.setString(1, nonce);
            st.setLong(2, Long.MAX_VALUE);
            st.executeUpdate();
        }
    }

    private static long count(Database db, String nonce) throws SQLException {
        return db.read(c -> {
            try (var st = c.prepareStatement("SELECT COUNT(*) FROM nonces WHERE nonce = ?")) {
                st.setString(1, nonce);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Test
    void anOutcomeCommitsARefusalRollsBackAndComesOutAsAValue() throws Exception {
        try (Database db = Database.open(f.dbUrl, dir.resolve("tx"))) {
            Outcome done = db.inTransaction(c -> {
                insertNonce(c, "kept");
                return new Done();
            });
            assertInstanceOf(Done.class, done);
            assertEquals(1, count(db, "kept"));

            Outcome refused = db.inTransaction(c -> {
                insertNonce(c, "dropped");
                return new Refused("not a member");
            });
            assertEquals(new Refused("not a member"), refused);
            assertEquals(0, count(db, "dropped"), "a refusal must leave nothing behind");

            assertThrows(IllegalStateException.class, () -> db.inTransaction(c -> {
                insertNonce(c, "thrown");
                throw new IllegalStateException("boom");
            }));
            assertEquals(0, count(db, "thrown"));
        }
    }
}
