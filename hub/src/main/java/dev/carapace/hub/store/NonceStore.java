package dev.carapace.hub.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Nonces seen within the replay window. A nonce is accepted once per key; the row outlives the window so a replay
 * inside it always finds it, and expired rows are purged in the background.
 */
public final class NonceStore {
    private final Database db;

    public NonceStore(Database db) {
        this.db = db;
    }

    /** Records the nonce; false if this key already used it (a replay). Atomic across hub processes. */
    public boolean claim(String keyid, String nonce, long expiresMs) throws SQLException {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO nonces (keyid, nonce, expires_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, keyid);
                ps.setString(2, nonce);
                ps.setLong(3, expiresMs);
                return ps.executeUpdate() == 1;
            }
        });
    }

    public int purgeExpired(long nowMs) throws SQLException {
        return db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM nonces WHERE expires_ms < ?")) {
                ps.setLong(1, nowMs);
                return ps.executeUpdate();
            }
        });
    }
}
