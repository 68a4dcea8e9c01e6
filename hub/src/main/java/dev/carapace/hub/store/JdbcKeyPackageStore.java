package dev.carapace.hub.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@link KeyPackageStore} on the hub's database (SQLite or PostgreSQL). */
public final class JdbcKeyPackageStore implements KeyPackageStore {
    private final Database db;
    private final Certifier certifier;

    public JdbcKeyPackageStore(Database db, Certifier certifier) {
        this.db = db;
        this.certifier = certifier;
    }

    @Override
    public Upload upload(String agent, String installation, String currentKeyId, List<KeyPackage> oneTime,
                         KeyPackage lastResort, Quota quota, long nowMs) throws SQLException {
        return db.inTransaction(c -> {
            // A fresh upload replaces what an older key certified (e.g. after a rotation).
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_key_packages WHERE ref = ?")) {
                for (String ref : stale(c, agent, installation, currentKeyId)) {
                    ps.setString(1, ref);
                    ps.executeUpdate();
                }
            }
            int have = countOneTime(c, agent, installation);
            if (have == 0 && installations(c, agent) >= quota.installationsPerAgent()
                    && !hasKeyPackages(c, agent, installation)) {
                return new TooManyInstallations(quota.installationsPerAgent());
            }
            if (have + oneTime.size() > quota.oneTimePerInstallation()) {
                return new TooManyKeyPackages(quota.oneTimePerInstallation(), have);
            }
            for (KeyPackage kp : oneTime) {
                have += insert(c, kp, agent, installation, false, nowMs);
            }
            if (lastResort != null) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_key_packages WHERE agent_id = ?"
                        + " AND installation = ? AND last_resort = 1")) {
                    ps.setString(1, agent);
                    ps.setString(2, installation);
                    ps.executeUpdate();
                }
                insert(c, lastResort, agent, installation, true, nowMs);
            }
            return new Stored(have);
        });
    }

    @Override
    public Supply supply(String agent, String installation, String currentKeyId) throws SQLException {
        return db.read(c -> {
            Set<String> stale = stale(c, agent, installation, currentKeyId);
            int oneTime = 0;
            boolean lastResort = false;
            try (PreparedStatement ps = c.prepareStatement("SELECT ref, last_resort FROM chat_key_packages WHERE"
                    + " agent_id = ? AND installation = ?")) {
                ps.setString(1, agent);
                ps.setString(2, installation);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (stale.contains(rs.getString(1))) {
                            continue;
                        }
                        if (rs.getInt(2) == 1) {
                            lastResort = true;
                        } else {
                            oneTime++;
                        }
                    }
                }
            }
            return new Supply(oneTime, lastResort);
        });
    }

    @Override
    public List<Claimed> claim(String agent, String currentKeyId, boolean oneTimeAllowed) throws SQLException {
        return db.inTransaction(c -> {
            List<String> installations = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT installation FROM chat_key_packages"
                    + " WHERE agent_id = ? ORDER BY installation")) {
                ps.setString(1, agent);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        installations.add(rs.getString(1));
                    }
                }
            }
            List<Claimed> out = new ArrayList<>();
            for (String inst : installations) {
                Set<String> stale = stale(c, agent, inst, currentKeyId); // inviters would refuse these
                String ref = null;
                byte[] kp = null;
                boolean lastResort = false;
                // One-time KeyPackages first, oldest first; the last-resort one only when none is left.
                try (PreparedStatement ps = c.prepareStatement("SELECT ref, key_package, last_resort FROM"
                        + " chat_key_packages WHERE agent_id = ? AND installation = ? AND (last_resort = 1 OR ?)"
                        + " ORDER BY last_resort, created_ms, ref")) {
                    ps.setString(1, agent);
                    ps.setString(2, inst);
                    ps.setBoolean(3, oneTimeAllowed);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (ref == null && rs.next()) {
                            if (stale.contains(rs.getString(1))) {
                                continue;
                            }
                            ref = rs.getString(1);
                            kp = rs.getBytes(2);
                            lastResort = rs.getInt(3) == 1;
                        }
                    }
                }
                if (ref == null) {
                    continue;
                }
                if (!lastResort) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_key_packages WHERE ref = ?")) {
                        ps.setString(1, ref);
                        if (ps.executeUpdate() != 1) {
                            // Another process handed it out first: fail the transaction, the client retries.
                            throw new SQLException("KeyPackage handed out concurrently");
                        }
                    }
                }
                out.add(new Claimed(inst, kp, lastResort));
            }
            return out;
        });
    }

    private static int insert(Connection c, KeyPackage kp, String agent, String inst, boolean lastResort, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_key_packages (ref, agent_id, installation,"
                + " last_resort, key_package, created_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, kp.ref());
            ps.setString(2, agent);
            ps.setString(3, inst);
            ps.setInt(4, lastResort ? 1 : 0);
            ps.setBytes(5, kp.bytes());
            ps.setLong(6, now);
            return ps.executeUpdate();
        }
    }

    /**
     * The refs of an installation's KeyPackages certified by a key that is no longer the agent's current one.
     * Inviters refuse them: they are never handed out nor counted as the supply, and the installation's next upload
     * replaces them (they are deleted only then, so the installation stays known).
     */
    private Set<String> stale(Connection c, String agent, String installation, String currentKeyId)
            throws SQLException {
        Set<String> stale = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT ref, key_package FROM chat_key_packages"
                + " WHERE agent_id = ? AND installation = ?")) {
            ps.setString(1, agent);
            ps.setString(2, installation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!currentKeyId.equals(certifier.keyIdOf(rs.getBytes(2)))) {
                        stale.add(rs.getString(1));
                    }
                }
            }
        }
        return stale;
    }

    private static int installations(Connection c, String agent) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(DISTINCT installation) FROM chat_key_packages"
                + " WHERE agent_id = ?")) {
            ps.setString(1, agent);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static boolean hasKeyPackages(Connection c, String agent, String installation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chat_key_packages WHERE agent_id = ? AND"
                + " installation = ?")) {
            ps.setString(1, agent);
            ps.setString(2, installation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static int countOneTime(Connection c, String agent, String installation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM chat_key_packages WHERE agent_id = ?"
                + " AND installation = ? AND last_resort = 0")) {
            ps.setString(1, agent);
            ps.setString(2, installation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
