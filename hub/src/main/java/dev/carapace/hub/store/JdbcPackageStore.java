package dev.carapace.hub.store;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;

/** {@link PackageStore} in the hub's database, with the same SQL on SQLite and PostgreSQL. */
public final class JdbcPackageStore implements PackageStore {
    private final Database db;
    private final Clock clock;
    /** Uploads no publication names, and parts, are deleted after this long without use. */
    private final long pendingTtlMs;

    public JdbcPackageStore(Database db, Clock clock, long pendingTtlMs) {
        this.db = db;
        this.clock = clock;
        this.pendingTtlMs = pendingTtlMs;
    }

    @Override
    public Upload storePackage(String digest, byte[] bytes, Uploader who, Quota quota) throws SQLException {
        return db.inTransaction(c -> {
            expire(c);
            if (touch(c, digest)) {
                return new AlreadyStored();
            }
            String owner = quotaOwner(c, who.identity());
            if (!withinQuota(c, "SELECT COUNT(*), COALESCE(SUM(b.size), 0) FROM skill_blobs b WHERE NOT EXISTS"
                    + " (SELECT 1 FROM skill_versions v WHERE v.digest = b.digest) AND", who.addressKey(), owner,
                    quota.maxRows(), quota.maxBytes() - bytes.length)) {
                return new OverQuota();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_blobs (digest, bytes, size, uploaded_by,"
                    + " created_ms, quota_addr, quota_owner) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, digest);
                ps.setBytes(2, bytes);
                ps.setLong(3, bytes.length);
                ps.setString(4, who.identity());
                ps.setLong(5, clock.millis());
                ps.setString(6, who.addressKey());
                ps.setString(7, owner);
                ps.executeUpdate();
            }
            return new Stored();
        });
    }

    @Override
    public PartUpload storePart(String digest, int part, byte[] bytes, Uploader who, Quota quota) throws SQLException {
        return db.inTransaction(c -> {
            expire(c);
            try (PreparedStatement del = c.prepareStatement(
                    "DELETE FROM skill_upload_parts WHERE digest = ? AND uploaded_by = ? AND part = ?")) {
                del.setString(1, digest);
                del.setString(2, who.identity());
                del.setInt(3, part);
                del.executeUpdate();
            }
            String owner = quotaOwner(c, who.identity());
            if (!withinQuota(c, "SELECT COUNT(*), COALESCE(SUM(LENGTH(bytes)), 0) FROM skill_upload_parts WHERE",
                    who.addressKey(), owner, quota.maxRows(), quota.maxBytes() - bytes.length)) {
                return new OverQuota();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO skill_upload_parts (digest, uploaded_by, part,"
                    + " bytes, created_ms, quota_addr, quota_owner) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, digest);
                ps.setString(2, who.identity());
                ps.setInt(3, part);
                ps.setBytes(4, bytes);
                ps.setLong(5, clock.millis());
                ps.setString(6, who.addressKey());
                ps.setString(7, owner);
                ps.executeUpdate();
            }
            return new Stored();
        });
    }

    @Override
    public Assembly assemble(String digest, String uploader, int parts, long maxBytes) throws SQLException {
        return db.read(c -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (PreparedStatement ps = c.prepareStatement("SELECT part, bytes FROM skill_upload_parts WHERE digest = ?"
                    + " AND uploaded_by = ? AND part < ? ORDER BY part")) {
                ps.setString(1, digest);
                ps.setString(2, uploader);
                ps.setInt(3, parts);
                try (ResultSet rs = ps.executeQuery()) {
                    int expected = 0;
                    while (rs.next()) {
                        if (rs.getInt(1) != expected++) {
                            return new MissingPart();
                        }
                        byte[] b = rs.getBytes(2);
                        if (out.size() + (long) b.length > maxBytes) {
                            return new TooLarge();
                        }
                        out.writeBytes(b);
                    }
                    return expected == parts ? new Assembled(out.toByteArray()) : new MissingPart();
                }
            }
        });
    }

    @Override
    public void dropParts(String digest, String uploader) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM skill_upload_parts WHERE digest = ? AND uploaded_by = ?")) {
                ps.setString(1, digest);
                ps.setString(2, uploader);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<byte[]> find(String digest) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT bytes FROM skill_blobs WHERE digest = ?")) {
                ps.setString(1, digest);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public boolean touch(String digest) throws SQLException {
        return db.inTransaction(c -> touch(c, digest));
    }

    private boolean touch(Connection c, String digest) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE skill_blobs SET created_ms = ? WHERE digest = ?")) {
            ps.setLong(1, clock.millis());
            ps.setString(2, digest);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Deletes uploads no publication names and upload parts, any uploader's, not used for the time to live: run with
     * every upload (an index on created_ms keeps it to the expired rows), so abandoned bytes never hold storage for
     * long. A publication marks its upload as used before logging it, so it never races this.
     */
    private void expire(Connection c) throws SQLException {
        long cutoff = clock.millis() - pendingTtlMs;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM skill_blobs WHERE created_ms < ? AND NOT EXISTS"
                + " (SELECT 1 FROM skill_versions v WHERE v.digest = skill_blobs.digest)")) {
            ps.setLong(1, cutoff);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM skill_upload_parts WHERE created_ms < ?")) {
            ps.setLong(1, cutoff);
            ps.executeUpdate();
        }
    }

    /** Whose storage quota an identity's uploads count against: its owner's, or its own while it has none. */
    private static String quotaOwner(Connection c, String identity) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT owner_id FROM agent_owners WHERE agent_id = ?")) {
            ps.setString(1, identity);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : identity;
            }
        }
    }

    /**
     * Whether one more row fits both the address's and the owner's quota: fewer than {@code maxRows} rows and at
     * most {@code maxBytes} bytes each. {@code countSql} selects (count, bytes) and ends where a condition can follow.
     */
    private static boolean withinQuota(Connection c, String countSql, String address, String owner, int maxRows,
                                       long maxBytes) throws SQLException {
        for (String[] who : new String[][] {{"quota_addr", address}, {"quota_owner", owner}}) {
            try (PreparedStatement ps = c.prepareStatement(countSql + " " + who[0] + " = ?")) {
                ps.setString(1, who[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= maxRows || rs.getLong(2) > maxBytes) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
