package dev.carapace.hub.owners;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.OwnerStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Owner records. The email and display name are sealed under a fresh data key per owner; the data key is sealed
 * under the current master key. The database alone opens nothing. Every read of an owner's data is logged. The
 * rows are kept by an {@link OwnerStore}, which sees sealed bytes only.
 */
public final class OwnerService {
    public static final String RECEIPT_TYPE = "application/vnd.carapace.deletion-receipt+json";

    private final Database db;
    private final OwnerStore store;
    private final MasterKeyring keyring;
    private final Ed25519KeyPair hubKey;
    private final String hubKeyId;

    public OwnerService(Database db, OwnerStore store, MasterKeyring keyring, Ed25519KeyPair hubKey, String hubKeyId) {
        this.db = db;
        this.store = store;
        this.keyring = keyring;
        this.hubKey = hubKey;
        this.hubKeyId = hubKeyId;
    }

    public record Profile(String ownerId, String email, String displayName, long createdMs) {}

    /** Inserts the owner row inside the caller's transaction. False when the owner already exists. */
    public boolean insert(Connection c, String ownerId, String email, String displayName, long nowMs)
            throws SQLException {
        byte[] dataKey = Bytes.random(32);
        try {
            return store.insert(c, new OwnerStore.SealedOwner(ownerId, keyring.currentId(),
                    Sealing.seal(keyring.current(), dataKey, wrapAad(ownerId, keyring.currentId())),
                    Sealing.seal(dataKey, email.getBytes(StandardCharsets.UTF_8), ownerId + "|email"),
                    Sealing.seal(dataKey, displayName.getBytes(StandardCharsets.UTF_8), ownerId + "|name"), nowMs));
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** What opening an owner's record found, inside a transaction. */
    private sealed interface Opened permits Found, Absent, Unopenable {}

    private record Found(Profile profile) implements Opened {}

    private record Absent() implements Opened, Database.Refusal {}

    /** The record does not open under the keys this hub holds (altered, or wrapped by a key it lacks). */
    private record Unopenable(String reason) implements Opened, Database.Refusal {}

    /** Decrypts the profile and records the read in the owner's access log, in one transaction. */
    public Optional<Profile> read(String ownerId, String actor, String action, long nowMs) throws SQLException {
        Opened opened = db.inTransaction(c -> {
            Opened o = open(c, ownerId);
            if (o instanceof Found) {
                store.logAccess(c, ownerId, new OwnerStore.Access(nowMs, actor, action, "profile"));
            }
            return o;
        });
        return profile(ownerId, opened);
    }

    /** Everything held about the owner, as JSON; the export itself is logged first, so it appears in the export. */
    public Optional<ObjectNode> export(String ownerId, String actor, long nowMs) throws SQLException {
        record Export(Opened opened, List<String> agents, List<OwnerStore.Access> accessLog) {}
        Export e = db.inTransaction(c -> {
            Opened o = open(c, ownerId);
            if (!(o instanceof Found)) {
                return new Export(o, List.of(), List.of());
            }
            store.logAccess(c, ownerId, new OwnerStore.Access(nowMs, actor, "export", "profile,agents,access-log"));
            return new Export(o, store.agentsOf(c, ownerId), store.accessLog(c, ownerId));
        });
        Optional<Profile> p = profile(ownerId, e.opened());
        if (p.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode o = Json.object();
        o.put("owner", ownerId);
        o.put("email", p.get().email());
        o.put("displayName", p.get().displayName());
        o.put("createdMs", p.get().createdMs());
        ArrayNode agents = o.putArray("agents");
        e.agents().forEach(agents::add);
        o.set("accessLog", json(e.accessLog()));
        return Optional.of(o);
    }

    /** The profile that was opened; an unopenable record is a storage failure, raised once the transaction is over. */
    private static Optional<Profile> profile(String ownerId, Opened opened) throws SQLException {
        return switch (opened) {
            case Found f -> Optional.of(f.profile());
            case Absent a -> Optional.empty();
            case Unopenable u -> throw new SQLException("owner data for " + ownerId + " cannot be opened: " + u.reason());
        };
    }

    private Opened open(Connection c, String ownerId) throws SQLException {
        Optional<OwnerStore.SealedOwner> row = store.find(c, ownerId);
        if (row.isEmpty()) {
            return new Absent();
        }
        OwnerStore.SealedOwner s = row.get();
        byte[] dataKey = null;
        try {
            dataKey = Sealing.open(keyring.byId(s.masterKeyId()), s.wrappedKey(), wrapAad(ownerId, s.masterKeyId()));
            String email = new String(Sealing.open(dataKey, s.emailSealed(), ownerId + "|email"), StandardCharsets.UTF_8);
            String name = new String(Sealing.open(dataKey, s.nameSealed(), ownerId + "|name"), StandardCharsets.UTF_8);
            return new Found(new Profile(ownerId, email, name, s.createdMs()));
        } catch (CryptoException e) {
            return new Unopenable(e.getMessage());
        } finally {
            if (dataKey != null) {
                Arrays.fill(dataKey, (byte) 0);
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
        if (!store.exists(c, ownerId)) {
            return LinkResult.NOT_AN_OWNER;
        }
        if (!store.insertLink(c, agentId, ownerId, new String(consent.toBytes(), StandardCharsets.UTF_8), nowMs)) {
            return LinkResult.ALREADY_LINKED;
        }
        store.logAccess(c, ownerId, new OwnerStore.Access(nowMs, ownerId, "link", agentId));
        return LinkResult.LINKED;
    }

    public Optional<String> ownerOf(String agentId) throws SQLException {
        return store.ownerOf(agentId);
    }

    public List<String> agentsOf(Connection c, String ownerId) throws SQLException {
        return store.agentsOf(c, ownerId);
    }

    public ArrayNode accessLog(String ownerId) throws SQLException {
        return json(db.read(c -> store.accessLog(c, ownerId)));
    }

    private static ArrayNode json(List<OwnerStore.Access> log) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (OwnerStore.Access a : log) {
            ObjectNode e = arr.addObject();
            e.put("atMs", a.atMs());
            e.put("actor", a.actor());
            e.put("action", a.action());
            e.put("detail", a.detail());
        }
        return arr;
    }

    /**
     * Crypto-shredding: deletes the wrapped data key (without it the sealed fields are noise), the sealed fields, the
     * agent links and the access log, in one transaction, and returns a receipt signed by the hub.
     */
    public Optional<Dsse.Envelope> delete(String ownerId, long nowMs) throws SQLException {
        return switch (store.delete(ownerId)) {
            case OwnerStore.NoSuchOwner n -> Optional.empty();
            case OwnerStore.Deleted d -> Optional.of(receipt(ownerId, nowMs, d.unlinkedAgents()));
        };
    }

    private Dsse.Envelope receipt(String ownerId, long nowMs, List<String> unlinkedAgents) {
        ObjectNode receipt = Json.object();
        receipt.put("type", "carapace.owner-deletion.v1");
        receipt.put("owner", ownerId);
        receipt.put("deletedAtMs", nowMs);
        receipt.put("method", "crypto-shredding: data key destroyed, sealed fields and rows deleted");
        ArrayNode unlinked = receipt.putArray("unlinkedAgents");
        unlinkedAgents.forEach(unlinked::add);
        try {
            return Dsse.sign(RECEIPT_TYPE, CanonicalJson.encode(receipt), hubKeyId, hubKey);
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What {@link #rewrapAll} did. */
    public sealed interface Rewrap permits Rewrapped, CannotRewrap {}

    /** Every data key is wrapped by the current master key; {@code count} of them were rewrapped. */
    public record Rewrapped(int count) implements Rewrap {}

    /** A data key did not open, so nothing was rewrapped. */
    public record CannotRewrap(String ownerId, String reason) implements Rewrap, Database.Refusal {}

    /**
     * Rewraps every data key under the keyring's current master key, in one transaction. Used by master key
     * rotation; the sealed fields themselves are untouched.
     */
    public Rewrap rewrapAll() throws SQLException {
        return db.inTransaction(c -> {
            int n = 0;
            for (OwnerStore.WrappedKey k : store.wrappedKeys(c)) {
                if (k.masterKeyId().equals(keyring.currentId())) {
                    continue;
                }
                byte[] dataKey;
                try {
                    dataKey = Sealing.open(keyring.byId(k.masterKeyId()), k.wrappedKey(),
                            wrapAad(k.ownerId(), k.masterKeyId()));
                } catch (CryptoException e) {
                    return new CannotRewrap(k.ownerId(), e.getMessage());
                }
                try {
                    store.rewrap(c, k.ownerId(), keyring.currentId(),
                            Sealing.seal(keyring.current(), dataKey, wrapAad(k.ownerId(), keyring.currentId())));
                    n++;
                } finally {
                    Arrays.fill(dataKey, (byte) 0);
                }
            }
            return new Rewrapped(n);
        });
    }

    /** How many owner data keys are wrapped by each master key, by key id. */
    public Map<String, Integer> dataKeysByMasterKey() throws SQLException {
        return store.dataKeysByMasterKey();
    }

    private static String wrapAad(String ownerId, String masterKeyId) {
        return "carapace-owner-data-key|" + ownerId + "|" + masterKeyId;
    }
}
