package dev.carapace.hub.owners;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.hub.store.Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Owner records. The email and display name are sealed under a fresh data key per owner; the data key is sealed
 * under the current master key. The database alone opens nothing. Every read of an owner's data is logged.
 */
public final class OwnerService {
    public static final String RECEIPT_TYPE = "application/vnd.carapace.deletion-receipt+json";

    private final Database db;
    private final MasterKeyring keyring;
    private final Ed25519KeyPair hubKey;
    private final String hubKeyId;

    public OwnerService(Database db, MasterKeyring keyring, Ed25519KeyPair hubKey, String hubKeyId) {
        this.db = db;
        this.keyring = keyring;
        this.hubKey = hubKey;
        this.hubKeyId = hubKeyId;
    }

    public record Profile(String ownerId, String email, String displayName, long createdMs) {}

    /** Inserts the owner row inside the caller's transaction. False when the owner already exists. */
    public boolean insert(Connection c, String ownerId, String email, String displayName, long nowMs)
            throws SQLException {
        byte[] dataKey = Bytes.random(32);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO owners (id, master_key_id, wrapped_key, email_ct,"
                + " name_ct, created_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, ownerId);
            ps.setString(2, keyring.currentId());
            ps.setBytes(3, Sealing.seal(keyring.current(), dataKey, wrapAad(ownerId, keyring.currentId())));
            ps.setBytes(4, Sealing.seal(dataKey, email.getBytes(StandardCharsets.UTF_8), ownerId + "|email"));
            ps.setBytes(5, Sealing.seal(dataKey, displayName.getBytes(StandardCharsets.UTF_8), ownerId + "|name"));
            ps.setLong(6, nowMs);
            return ps.executeUpdate() == 1;
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** Decrypts the profile and records the read in the owner's access log, in one transaction. */
    public Optional<Profile> read(String ownerId, String actor, String action, long nowMs) throws SQLException {
        return db.inTransaction(c -> {
            Optional<Profile> p = readUnlogged(c, ownerId);
            if (p.isPresent()) {
                logAccess(c, ownerId, actor, action, "profile", nowMs);
            }
            return p;
        });
    }

    private Optional<Profile> readUnlogged(Connection c, String ownerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT master_key_id, wrapped_key, email_ct, name_ct,"
                + " created_ms FROM owners WHERE id = ?")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String mk = rs.getString(1);
                byte[] dataKey = null;
                try {
                    dataKey = Sealing.open(keyring.byId(mk), rs.getBytes(2), wrapAad(ownerId, mk));
                    String email = new String(Sealing.open(dataKey, rs.getBytes(3), ownerId + "|email"),
                            StandardCharsets.UTF_8);
                    String name = new String(Sealing.open(dataKey, rs.getBytes(4), ownerId + "|name"),
                            StandardCharsets.UTF_8);
                    return Optional.of(new Profile(ownerId, email, name, rs.getLong(5)));
                } catch (CryptoException e) {
                    throw new SQLException("owner data for " + ownerId + " cannot be opened: " + e.getMessage());
                } finally {
                    if (dataKey != null) {
                        Arrays.fill(dataKey, (byte) 0);
                    }
                }
            }
        }
    }

    public boolean exists(Connection c, String ownerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM owners WHERE id = ?")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** What {@link #link} did. */
    public enum LinkResult { LINKED, ALREADY_LINKED, NOT_AN_OWNER }

    /**
     * Links an agent to a registered owner inside the caller's transaction, keeping the agent's consent envelope.
     * Nothing is written unless the owner is registered and the agent has no owner yet.
     */
    public LinkResult link(Connection c, String ownerId, String agentId, Dsse.Envelope consent, long nowMs)
            throws SQLException {
        if (!exists(c, ownerId)) {
            return LinkResult.NOT_AN_OWNER;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO agent_owners (agent_id, owner_id, consent,"
                + " linked_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, agentId);
            ps.setString(2, ownerId);
            ps.setString(3, new String(consent.toBytes(), StandardCharsets.UTF_8));
            ps.setLong(4, nowMs);
            if (ps.executeUpdate() != 1) {
                return LinkResult.ALREADY_LINKED;
            }
        }
        logAccess(c, ownerId, ownerId, "link", agentId, nowMs);
        return LinkResult.LINKED;
    }

    public Optional<String> ownerOf(String agentId) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner_id FROM agent_owners WHERE agent_id = ?")) {
                ps.setString(1, agentId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    public List<String> agentsOf(Connection c, String ownerId) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT agent_id FROM agent_owners WHERE owner_id = ? ORDER BY agent_id")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Everything held about the owner, as JSON; the export itself is logged first, so it appears in the export. */
    public Optional<ObjectNode> export(String ownerId, String actor, long nowMs) throws SQLException {
        return db.inTransaction(c -> {
            Optional<Profile> p = readUnlogged(c, ownerId);
            if (p.isEmpty()) {
                return Optional.empty();
            }
            logAccess(c, ownerId, actor, "export", "profile,agents,access-log", nowMs);
            ObjectNode o = Json.object();
            o.put("owner", ownerId);
            o.put("email", p.get().email());
            o.put("displayName", p.get().displayName());
            o.put("createdMs", p.get().createdMs());
            ArrayNode agents = o.putArray("agents");
            agentsOf(c, ownerId).forEach(agents::add);
            o.set("accessLog", accessLog(c, ownerId));
            return Optional.of(o);
        });
    }

    public ArrayNode accessLog(String ownerId) throws SQLException {
        return db.read(c -> accessLog(c, ownerId));
    }

    private ArrayNode accessLog(Connection c, String ownerId) throws SQLException {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        try (PreparedStatement ps = c.prepareStatement("SELECT at_ms, actor, action, detail FROM access_log"
                + " WHERE owner_id = ? ORDER BY at_ms, id")) {
            ps.setString(1, ownerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode e = arr.addObject();
                    e.put("atMs", rs.getLong(1));
                    e.put("actor", rs.getString(2));
                    e.put("action", rs.getString(3));
                    e.put("detail", rs.getString(4));
                }
            }
        }
        return arr;
    }

    /** Records an access. Operator tools call this too, so the owner sees every read. */
    public void logAccess(Connection c, String ownerId, String actor, String action, String detail, long nowMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO access_log (id, owner_id, at_ms, actor, action,"
                + " detail) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, Bytes.hex(Bytes.random(16)));
            ps.setString(2, ownerId);
            ps.setLong(3, nowMs);
            ps.setString(4, actor);
            ps.setString(5, action);
            ps.setString(6, detail);
            ps.executeUpdate();
        }
    }

    /**
     * Crypto-shredding: deletes the wrapped data key (without it the sealed fields are noise), the sealed fields, the
     * agent links and the access log, in one transaction, and returns a receipt signed by the hub.
     */
    public Optional<Dsse.Envelope> delete(String ownerId, long nowMs) throws SQLException {
        List<String> agents = new ArrayList<>();
        boolean deleted = db.inTransaction(c -> {
            if (!exists(c, ownerId)) {
                return false;
            }
            agents.addAll(agentsOf(c, ownerId));
            for (String sql : List.of("DELETE FROM owners WHERE id = ?", "DELETE FROM agent_owners WHERE owner_id = ?",
                    "DELETE FROM access_log WHERE owner_id = ?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, ownerId);
                    ps.executeUpdate();
                }
            }
            return true;
        });
        if (!deleted) {
            return Optional.empty();
        }
        ObjectNode receipt = Json.object();
        receipt.put("type", "carapace.owner-deletion.v1");
        receipt.put("owner", ownerId);
        receipt.put("deletedAtMs", nowMs);
        receipt.put("method", "crypto-shredding: data key destroyed, sealed fields and rows deleted");
        ArrayNode unlinked = receipt.putArray("unlinkedAgents");
        agents.forEach(unlinked::add);
        try {
            return Optional.of(Dsse.sign(RECEIPT_TYPE, CanonicalJson.encode(receipt), hubKeyId, hubKey));
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Rewraps every data key under the keyring's current master key, in one transaction. Used by master key
     * rotation; the sealed fields themselves are untouched.
     */
    public int rewrapAll() throws SQLException {
        return db.inTransaction(c -> {
            List<String[]> rows = new ArrayList<>();
            List<byte[]> wrapped = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, master_key_id, wrapped_key FROM owners")) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new String[] {rs.getString(1), rs.getString(2)});
                        wrapped.add(rs.getBytes(3));
                    }
                }
            }
            int n = 0;
            for (int i = 0; i < rows.size(); i++) {
                String id = rows.get(i)[0];
                String mk = rows.get(i)[1];
                if (mk.equals(keyring.currentId())) {
                    continue;
                }
                byte[] dataKey;
                try {
                    dataKey = Sealing.open(keyring.byId(mk), wrapped.get(i), wrapAad(id, mk));
                } catch (CryptoException e) {
                    throw new SQLException("cannot rewrap the data key of " + id + ": " + e.getMessage());
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE owners SET master_key_id = ?, wrapped_key = ? WHERE id = ?")) {
                    ps.setString(1, keyring.currentId());
                    ps.setBytes(2, Sealing.seal(keyring.current(), dataKey, wrapAad(id, keyring.currentId())));
                    ps.setString(3, id);
                    ps.executeUpdate();
                    n++;
                } finally {
                    Arrays.fill(dataKey, (byte) 0);
                }
            }
            return n;
        });
    }

    /** How many owner data keys are wrapped by each master key, by key id. */
    public java.util.Map<String, Integer> dataKeysByMasterKey() throws SQLException {
        return db.read(c -> {
            java.util.Map<String, Integer> out = new java.util.TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT master_key_id, COUNT(*) FROM owners GROUP BY master_key_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
            return out;
        });
    }

    private static String wrapAad(String ownerId, String masterKeyId) {
        return "carapace-owner-data-key|" + ownerId + "|" + masterKeyId;
    }
}
