package dev.carapace.client.chat;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.CredentialValidator;
import dev.carapace.mls.group.ExternalJoin;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.message.Capabilities;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.group.Received;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.message.Welcome;
import dev.carapace.mls.tree.RatchetTree;
import dev.carapace.protocol.ErrorReason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One installation of an agent taking part in end-to-end encrypted groups through a hub. The hub only orders and
 * relays ciphertext; this class holds the MLS state, encrypted at rest under the agent's storage key.
 *
 * <p>Exactly once: items from the inbox are applied in the hub's order, the group state and its cursor are written
 * together, and only then acknowledged; an item at or below the stored cursor is skipped if delivered again.
 * Methods are synchronized within one process. Processes sharing the state folder must take turns (the CLI holds
 * a lock on its home across each command) and {@link #reload} after another may have written; as a second line of
 * defence every file carries a revision, and a write over a revision this object did not read is refused, so an
 * older state is never written back over a newer one.
 */
public final class ChatClient {
    public static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /**
     * What every installation's KeyPackage advertises: the group policy extension must be listed, because a group
     * context may only carry extensions that every member supports (RFC 9420 §11.1).
     */
    public static final Capabilities CAPABILITIES = new Capabilities(List.of(1), List.of(SUITE.id()),
            List.of(GroupPolicy.EXTENSION_TYPE), List.of(), List.of(Credential.BASIC));
    static final int KEY_PACKAGE_SUPPLY = 10;
    static final int MAX_REBASES = 8;
    static final int MAX_TEXT_BYTES = 64 * 1024;
    static final Duration KEY_PACKAGE_LIFETIME = Duration.ofDays(90);
    /** The hub answers at most this many inbox items at a time. */
    static final int INBOX_PAGE = 200;
    // One client for every push socket of this process (each HttpClient has its own selector thread).
    private static final HttpClient PUSH_HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .build();

    private final HubClient hub;
    private final KeyEventLog identity;
    private final Ed25519KeyPair identityKey;
    private final String me;
    private final Path dir;
    private final StateVault vault;
    private final Map<String, KeyEventLog> knownIdentities = new ConcurrentHashMap<>();
    private final GroupConfig config;
    private ObjectNode installation;
    // Group records in memory once read, until reload(); disk is written through.
    private final Map<String, Record> records = new java.util.HashMap<>();

    /** A message this installation received. {@code request} means its sender is not (yet) allowed. */
    public record ChatMessage(String group, long seq, String sender, String senderInstallation, String text,
                              long sentMs, boolean request) {}

    /** What one synchronisation did. {@code rejected} names items refused (bad ciphertext, policy violations). */
    public record SyncReport(List<ChatMessage> received, List<String> joined, List<String> removedFrom,
                             List<String> rejected) {}

    /** A group as this installation knows it. */
    public record GroupInfo(String group, String name, long epoch, List<String> members, Set<String> admins,
                            boolean removed) {}

    private ChatClient(HubClient hub, KeyEventLog identity, Ed25519KeyPair identityKey, Path dir, byte[] storageKey) {
        this.hub = hub;
        this.identity = identity;
        this.identityKey = identityKey;
        this.me = identity.id().toString();
        this.dir = dir;
        this.vault = new StateVault(storageKey);
        this.knownIdentities.put(me, identity);
        this.config = GroupConfig.defaults(this::validateCredential);
    }

    /**
     * Opens (or creates) the installation whose state lives in {@code dir}, sealed under {@code storageKey} (see
     * {@link StateVault#storageKey}).
     */
    public static ChatClient open(HubClient hub, KeyEventLog identity, Ed25519KeyPair identityKey, Path dir,
                                  byte[] storageKey) throws IOException {
        SecureFiles.createPrivateDirectories(dir.resolve("groups"));
        ChatClient c = new ChatClient(hub, identity, identityKey, dir, storageKey);
        c.loadInstallation();
        return c;
    }

    public String agentId() {
        return me;
    }

    public synchronized String installationId() {
        return installation.get("installation").asString();
    }

    private Signer signer() {
        return Signer.current(identity, identityKey);
    }

    // --- installation and KeyPackages --------------------------------------------------------------------------

    /**
     * Forgets what this object read from the state folder, so the next call reads it again: for a process that shares
     * the folder with others, after it took its turn.
     */
    public synchronized void reload() throws IOException {
        records.clear();
        loadInstallation();
    }

    private void loadInstallation() throws IOException {
        byte[] b = vault.read(dir.resolve("installation.bin"), "installation");
        if (b != null) {
            installation = (ObjectNode) parse(b);
            return;
        }
        ObjectNode o = Json.object();
        o.put("installation", Bytes.b64url(randomId()));
        o.put("signatureKey", Bytes.b64url(SUITE.generateSignaturePrivateKey()));
        o.putArray("bundles");
        o.putObject("contacts").putArray("allow");
        ((ObjectNode) o.get("contacts")).putArray("deny");
        installation = o;
        saveInstallation();
    }

    private void saveInstallation() throws IOException {
        writeRevised(dir.resolve("installation.bin"), "installation", installation);
    }

    /**
     * Writes a sealed document whose {@code rev} is one more than the revision it was read at, refusing if the file
     * on disk is no longer at that revision: another process wrote it since, and writing now would roll it back.
     */
    private void writeRevised(Path file, String purpose, ObjectNode doc) throws IOException {
        long read = doc.path("rev").asLong(0);
        byte[] current = vault.read(file, purpose);
        long onDisk = current == null ? 0 : parse(current).path("rev").asLong(0);
        if (onDisk != read) {
            throw new IllegalStateException("the chat state in " + file + " changed on disk since this process read"
                    + " it (revision " + onDisk + ", read " + read + "); not writing back an older state");
        }
        doc.put("rev", read + 1);
        try {
            vault.write(file, purpose, Json.compact(doc).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            doc.put("rev", read);
            throw e;
        }
    }

    private byte[] signaturePrivateKey() {
        return b64url(installation.get("signatureKey").asString());
    }

    private Credential credential() {
        byte[] sigPriv = signaturePrivateKey();
        return Credential.basic(InstallationCertificate.issue(identity, identityKey, installationId(),
                SUITE.signaturePublicKey(sigPriv)));
    }

    /**
     * Tops the hub's supply of this installation's one-time KeyPackages up to {@value #KEY_PACKAGE_SUPPLY}, and
     * uploads a last-resort KeyPackage if the hub has none. The private keys are stored before the upload, so a
     * crash in between leaves unused keys, never a KeyPackage nobody can open. Returns how many were uploaded.
     */
    public synchronized int publishKeyPackages() throws IOException, HubException {
        JsonNode count;
        try {
            count = hub.send("GET", "/v1/key-packages/" + installationId(), null, signer());
        } catch (HubException e) {
            if (e.status() != 404) {
                throw e;
            }
            count = Json.object(); // a new installation: nothing uploaded yet
        }
        int missing = Math.max(0, KEY_PACKAGE_SUPPLY - count.path("available").asInt(0));
        boolean needLastResort = !count.path("lastResort").asBoolean(false);
        if (missing == 0 && !needLastResort) {
            return 0;
        }
        Credential cred = credential();
        ArrayNode bundles = (ArrayNode) installation.get("bundles");
        ObjectNode body = Json.object();
        body.put("installation", installationId());
        ArrayNode kps = body.putArray("keyPackages");
        for (int i = 0; i < missing; i++) {
            KeyPackageBundle b = KeyPackageBundle.create(SUITE, cred, signaturePrivateKey(), KEY_PACKAGE_LIFETIME,
                    CAPABILITIES);
            bundles.add(bundleJson(b, false));
            kps.add(Bytes.b64(b.keyPackage().encode()));
        }
        if (needLastResort) {
            KeyPackageBundle b = KeyPackageBundle.create(SUITE, cred, signaturePrivateKey(), KEY_PACKAGE_LIFETIME,
                    CAPABILITIES);
            // Only one last-resort bundle is valid at a time on the hub; older ones stay usable for Welcomes in flight.
            bundles.add(bundleJson(b, true));
            body.put("lastResort", Bytes.b64(b.keyPackage().encode()));
        }
        saveInstallation();
        hub.send("POST", "/v1/key-packages", body, signer());
        return missing + (needLastResort ? 1 : 0);
    }

    private static ObjectNode bundleJson(KeyPackageBundle b, boolean lastResort) {
        ObjectNode o = Json.object();
        o.put("keyPackage", Bytes.b64url(b.keyPackage().encode()));
        o.put("init", Bytes.b64url(b.initPrivateKey()));
        o.put("encryption", Bytes.b64url(b.encryptionPrivateKey()));
        o.put("ref", Bytes.b64url(b.keyPackage().ref(SUITE)));
        o.put("lastResort", lastResort);
        return o;
    }

    private KeyPackageBundle bundleFrom(JsonNode o) {
        TlsReader r = new TlsReader(b64url(o.get("keyPackage").asString()));
        KeyPackage kp = KeyPackage.decode(r);
        return new KeyPackageBundle(kp, b64url(o.get("init").asString()), b64url(o.get("encryption").asString()),
                signaturePrivateKey());
    }

    // --- credentials -------------------------------------------------------------------------------------------

    /**
     * The CredentialValidator of the groups: a leaf's basic credential must hold an installation certificate for
     * exactly this leaf's signature key, signed by a key the named agent's verified key event log (from the hub)
     * established. A rotated-out key still counts here, so a member's rotation does not make the group's earlier
     * commits, Welcomes and GroupInfos unreadable to members who process them later; what enters the group anew
     * (an invitee's KeyPackage) needs the current key ({@link #validateNewBinding}), and a rotated member
     * re-certifies its leaves ({@link #recertify}).
     */
    private void validateCredential(Credential credential, byte[] signatureKey) {
        validateCredential(credential, signatureKey, false);
    }

    /** A KeyPackage about to be added: its certificate must be by the agent's current key. */
    private void validateNewBinding(Credential credential, byte[] signatureKey) {
        validateCredential(credential, signatureKey, true);
    }

    private void validateCredential(Credential credential, byte[] signatureKey, boolean currentKeyOnly) {
        if (credential.type() != Credential.BASIC) {
            throw new MlsException("only basic credentials carrying an installation certificate are accepted");
        }
        InstallationCertificate.Claims claims;
        try {
            claims = InstallationCertificate.peek(credential.identity());
        } catch (CryptoException e) {
            throw new MlsException("credential: " + e.getMessage());
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            KeyEventLog log = attempt == 0 ? knownIdentities.get(claims.agent()) : null;
            if (log == null) {
                try {
                    log = hub.identity(claims.agent());
                } catch (IOException | HubException e) {
                    throw new MlsException("cannot fetch the identity of " + claims.agent() + ": " + e.getMessage());
                }
                knownIdentities.put(claims.agent(), log);
            }
            try {
                if (currentKeyOnly) {
                    InstallationCertificate.verify(credential.identity(), log, signatureKey);
                } else {
                    InstallationCertificate.verifyByLoggedKey(credential.identity(), log, signatureKey);
                }
                return;
            } catch (CryptoException e) {
                if (attempt == 1) {
                    throw new MlsException("credential of " + claims.agent() + " is not certified by its "
                            + (currentKeyOnly ? "current key" : "key event log") + ": " + e.getMessage());
                }
                // Perhaps the identity rotated since we cached it: fetch once more.
            }
        }
    }

    private static InstallationCertificate.Claims claimsOf(LeafNode leaf) {
        try {
            return InstallationCertificate.peek(leaf.credential().identity());
        } catch (CryptoException e) {
            throw new MlsException("credential: " + e.getMessage());
        }
    }

    // --- local group records -----------------------------------------------------------------------------------

    /** One group's local record: MLS state, cursor, unread messages and the request box, sealed together. */
    private final class Record {
        final String group;
        ObjectNode doc;
        Group state;

        Record(String group, ObjectNode doc, Group state) {
            this.group = group;
            this.doc = doc;
            this.state = state;
        }

        long cursor() {
            return doc.path("cursor").asLong(0);
        }

        boolean removed() {
            return doc.path("removed").asBoolean(false);
        }

        void save() throws IOException {
            if (state != null) {
                doc.put("state", Bytes.b64url(state.save()));
            }
            writeRevised(groupFile(group), "group:" + group, doc);
            records.put(group, this);
        }
    }

    private Path groupFile(String group) {
        return dir.resolve("groups").resolve(group + ".bin");
    }

    private Record load(String group) throws IOException {
        if (!group.matches("[A-Za-z0-9_-]{22,44}")) {
            throw new IllegalArgumentException("not a group id: " + group);
        }
        Record cached = records.get(group);
        if (cached != null) {
            return cached;
        }
        byte[] b = vault.read(groupFile(group), "group:" + group);
        if (b == null) {
            return null;
        }
        ObjectNode doc = (ObjectNode) parse(b);
        Group g = doc.hasNonNull("state") && !doc.path("removed").asBoolean(false)
                ? Group.load(config, b64url(doc.get("state").asString())) : null;
        Record r = new Record(group, doc, g);
        records.put(group, r);
        return r;
    }

    private Record require(String group) throws IOException, HubException {
        Record r = load(group);
        if (r == null) {
            syncLocked(); // perhaps a Welcome is waiting
            r = load(group);
        }
        if (r == null) {
            throw new IllegalArgumentException("this installation is not in group " + group);
        }
        if (r.removed() || r.state == null) {
            throw new IllegalStateException("this installation is no longer a member of group " + group);
        }
        return r;
    }

    /** The groups this installation has state for. */
    public synchronized List<GroupInfo> groups() throws IOException {
        List<GroupInfo> out = new ArrayList<>();
        try (var files = Files.list(dir.resolve("groups"))) {
            for (Path p : files.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".bin")) {
                    Record r = load(name.substring(0, name.length() - 4));
                    if (r != null) {
                        out.add(info(r));
                    }
                }
            }
        }
        return out;
    }

    public synchronized GroupInfo group(String group) throws IOException {
        Record r = load(group);
        if (r == null) {
            throw new IllegalArgumentException("this installation is not in group " + group);
        }
        return info(r);
    }

    private GroupInfo info(Record r) {
        if (r.state == null) {
            return new GroupInfo(r.group, r.doc.path("name").asString(""), -1, List.of(), Set.of(), true);
        }
        Set<String> agents = new TreeSet<>();
        r.state.members().values().forEach(l -> agents.add(claimsOf(l).agent()));
        return new GroupInfo(r.group, r.doc.path("name").asString(""), r.state.epoch(), List.copyOf(agents),
                GroupPolicy.from(r.state.contextExtensions()).admins(), false);
    }

    // --- creating groups ---------------------------------------------------------------------------------------

    /** Creates a group with this agent as its only admin and registers it with the hub. Returns its id. */
    public synchronized String createGroup(String name) throws IOException, HubException {
        return create(name, null);
    }

    /**
     * The direct group of this agent and {@code peer}: the existing one if this installation has it, else a new
     * two-member group registered for the pair (the peer is invited).
     */
    public synchronized String direct(String peer) throws IOException, HubException {
        String peerId = parseId(peer);
        try {
            String existing = hub.send("GET", "/v1/direct/" + peerId, null, signer()).get("group").asString();
            if (load(existing) != null) {
                return existing;
            }
            sync();
            if (load(existing) != null) {
                return existing;
            }
            throw new IllegalStateException("a direct group with " + peerId + " exists but this installation is not"
                    + " in it yet; ask for an invitation");
        } catch (HubException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
        String group = create("", peerId);
        invite(group, List.of(peerId));
        return group;
    }

    /**
     * 16 random bytes whose base64url form does not start with '-' (a first byte of 0xF8 to 0xFB): ids are typed on
     * command lines, where a leading '-' reads as an option.
     */
    private static byte[] randomId() {
        byte[] id;
        do {
            id = Bytes.random(16);
        } while ((id[0] & 0xFF) >>> 2 == 62);
        return id;
    }

    private String create(String name, String directPeer) throws IOException, HubException {
        byte[] gid = randomId();
        String group = Bytes.b64url(gid);
        KeyPackageBundle own = KeyPackageBundle.create(SUITE, credential(), signaturePrivateKey(),
                KEY_PACKAGE_LIFETIME, CAPABILITIES);
        Group g = Group.create(config, gid, own);
        // Epoch 0 to 1 installs the policy; nobody else is in the group yet, so no one needs this commit.
        PendingCommit policy = g.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(new GroupPolicy(Set.of(me)).toExtension()))));
        g.merge(policy);
        ObjectNode doc = Json.object();
        doc.put("group", group);
        doc.put("name", name == null ? "" : name);
        doc.put("cursor", 0);
        doc.putArray("unread");
        doc.putArray("held");
        doc.putArray("leavers");
        Record r = new Record(group, doc, g);
        r.save();
        ObjectNode body = Json.object();
        body.put("group", group);
        body.put("installation", installationId());
        body.put("epoch", g.epoch());
        body.put("groupInfo", Bytes.b64(g.groupInfo(true).encode()));
        if (directPeer != null) {
            body.put("direct", directPeer);
        }
        hub.send("POST", "/v1/groups", body, signer());
        return group;
    }

    // --- commits, re-based on conflict -------------------------------------------------------------------------

    /** A commit to submit, built against the current state; rebuilt after each re-base. */
    private record Built(PendingCommit pending, List<Map.Entry<String, String>> add,
                         List<Map.Entry<String, String>> remove) {}

    @FunctionalInterface
    private interface CommitBuilder {
        Built build(Record r) throws IOException, HubException;
    }

    /**
     * Submits a commit for the current epoch. On 409 epoch_conflict another member's commit won: process it (and
     * anything else pending) and build again on top, so the group never forks.
     */
    private long commit(String group, CommitBuilder builder) throws IOException, HubException {
        for (int attempt = 0; attempt < MAX_REBASES; attempt++) {
            Record r = require(group);
            Built b = builder.build(r);
            if (b == null) {
                return r.state.epoch();
            }
            // The next epoch's state, on a copy: its GroupInfo goes to the hub with the commit (so that a member
            // who falls behind can rejoin from it), and it becomes our state once the hub accepted the commit.
            Group next = Group.load(config, r.state.save());
            next.merge(b.pending());
            long from = r.state.epoch();
            ObjectNode body = Json.object();
            body.put("installation", installationId());
            body.put("epoch", from);
            body.put("commit", Bytes.b64(b.pending().commit().encode()));
            body.put("groupInfo", Bytes.b64(next.groupInfo(true).encode()));
            if (b.pending().welcome() != null) {
                body.put("welcome", Bytes.b64(b.pending().welcome().encode()));
            }
            ArrayNode add = body.putArray("add");
            b.add().forEach(e -> add.addObject().put("agent", e.getKey()).put("installation", e.getValue()));
            ArrayNode remove = body.putArray("remove");
            b.remove().forEach(e -> remove.addObject().put("agent", e.getKey()).put("installation", e.getValue()));
            try {
                JsonNode ok = hub.send("POST", "/v1/groups/" + group + "/commits", body, signer());
                r.state = next;
                // Our own commit is never delivered back to us: move the cursor over it.
                r.doc.put("cursor", Math.max(r.cursor(), ok.path("seq").asLong() + b.add().size()));
                r.save();
                return r.state.epoch();
            } catch (HubException e) {
                if (e.error() != ErrorReason.EPOCH_CONFLICT) {
                    throw e;
                }
                syncLocked();
                catchUpOrRejoin(group, from);
            }
        }
        throw new IOException("gave up after " + MAX_REBASES + " conflicting commits in a row");
    }

    /**
     * Adds every installation of each agent (one KeyPackage each, checked against the agent's identity) in one
     * commit. Only admins may; the invited agents are allowed as contacts.
     */
    public synchronized long invite(String group, List<String> agents) throws IOException, HubException {
        requireAdmin(require(group));
        List<KeyPackage> kps = new ArrayList<>();
        List<Map.Entry<String, String>> routing = new ArrayList<>();
        for (String a : agents) {
            String agent = parseId(a);
            JsonNode r = hub.send("POST", "/v1/agents/" + agent + "/key-packages/claim", Json.object(), signer());
            for (JsonNode e : r.path("keyPackages")) {
                KeyPackage kp = decodeKeyPackage(b64(e.path("keyPackage").asString("")));
                InstallationCertificate.Claims c = claimsOf(kp.leafNode());
                if (!c.agent().equals(agent) || !c.installation().equals(e.path("installation").asString(""))) {
                    throw new MlsException("the hub returned a KeyPackage of another installation");
                }
                // A new binding: certified by the invitee's current key (the engine's check accepts logged keys).
                validateNewBinding(kp.leafNode().credential(), kp.leafNode().signatureKey());
                kps.add(kp);
                routing.add(Map.entry(agent, c.installation()));
            }
            allowLocally(agent);
        }
        return commit(group, r -> {
            requireAdmin(r);
            Set<String> present = new LinkedHashSet<>();
            r.state.members().values().forEach(l -> present.add(key(claimsOf(l))));
            List<KeyPackage> fresh = new ArrayList<>();
            List<Map.Entry<String, String>> freshRouting = new ArrayList<>();
            for (int i = 0; i < kps.size(); i++) {
                if (!present.contains(routing.get(i).getKey() + "/" + routing.get(i).getValue())) {
                    fresh.add(kps.get(i));
                    freshRouting.add(routing.get(i));
                }
            }
            return fresh.isEmpty() ? null : new Built(r.state.add(fresh), freshRouting, List.of());
        });
    }

    /** Removes every installation of {@code agent}. Only admins may. */
    public synchronized long remove(String group, String agent) throws IOException, HubException {
        String target = parseId(agent);
        return commit(group, r -> {
            requireAdmin(r);
            return removal(r, l -> claimsOf(l).agent().equals(target));
        });
    }

    private Built removal(Record r, java.util.function.Predicate<LeafNode> which) {
        List<Integer> leaves = new ArrayList<>();
        List<Map.Entry<String, String>> routing = new ArrayList<>();
        r.state.members().forEach((i, l) -> {
            if (i != r.state.myLeafIndex() && which.test(l)) {
                leaves.add(i);
                InstallationCertificate.Claims c = claimsOf(l);
                routing.add(Map.entry(c.agent(), c.installation()));
            }
        });
        return leaves.isEmpty() ? null : new Built(r.state.remove(leaves), List.of(), routing);
    }

    /**
     * After the agent's identity rotated its key, this installation's leaf in each group still carries a certificate
     * by the old key, which members no longer accept (nor can anyone join a group whose tree holds it). Commits, in
     * every group where the leaf's certificate is not by the current key, an update whose leaf carries a new
     * certificate for the same signature key. Cheap when nothing rotated (the key last certified for is recorded).
     * Returns one line per group it could not re-certify in (tried again next time).
     */
    public synchronized List<String> recertify() throws IOException {
        String keyId = identity.currentKeyId();
        if (keyId.equals(installation.path("certifiedBy").asString(""))) {
            return List.of();
        }
        List<String> failed = new ArrayList<>();
        for (GroupInfo gi : groups()) {
            if (gi.removed() || !staleCertificate(load(gi.group()))) {
                continue;
            }
            try {
                commit(gi.group(), r -> staleCertificate(r)
                        ? new Built(r.state.update(credential()), List.of(), List.of()) : null);
            } catch (HubException | IOException | MlsException | IllegalStateException e) {
                failed.add(gi.group() + ": " + e.getMessage());
            }
        }
        if (failed.isEmpty()) {
            installation.put("certifiedBy", keyId);
            saveInstallation();
        }
        return failed;
    }

    private boolean staleCertificate(Record r) {
        return r.state != null && !claimsOf(r.state.members().get(r.state.myLeafIndex())).keyId()
                .equals(identity.currentKeyId());
    }

    /** Refreshes this installation's keys in the group (post-compromise security). Any member may. */
    public synchronized long update(String group) throws IOException, HubException {
        return commit(group, r -> new Built(r.state.update(), List.of(), List.of()));
    }

    /**
     * Leaves: the hub stops routing the group here at once and tells the members; an admin's client then commits
     * the removal of this installation's leaf. The local state is deleted.
     */
    public synchronized void leave(String group) throws IOException, HubException {
        Record r = require(group);
        ObjectNode body = Json.object();
        body.put("installation", installationId());
        hub.send("POST", "/v1/groups/" + group + "/leave", body, signer());
        r.doc.put("removed", true);
        r.doc.remove("state");
        r.state = null;
        r.save();
    }

    private void requireAdmin(Record r) {
        if (!GroupPolicy.from(r.state.contextExtensions()).isAdmin(me)) {
            throw new IllegalStateException("only an admin of the group may add or remove members");
        }
    }

    private static String key(InstallationCertificate.Claims c) {
        return c.agent() + "/" + c.installation();
    }

    // --- sending -----------------------------------------------------------------------------------------------

    /** Encrypts and sends a text; if the group moved on meanwhile, catches up and sends again. Returns its seq. */
    public synchronized long send(String group, String text) throws IOException, HubException {
        byte[] payload = textPayload(text);
        for (int attempt = 0; attempt < MAX_REBASES; attempt++) {
            Record r = require(group);
            MlsMessage m = r.state.encrypt(payload, new byte[0]);
            // The secret tree advanced: persist before sending, so a generation is never reused after a crash.
            r.save();
            ObjectNode body = Json.object();
            body.put("installation", installationId());
            body.put("message", Bytes.b64(m.encode()));
            try {
                return hub.send("POST", "/v1/groups/" + group + "/messages", body, signer()).get("seq").asLong();
            } catch (HubException e) {
                if (e.error() != ErrorReason.STALE_EPOCH) {
                    throw e;
                }
                long from = r.state.epoch();
                syncLocked();
                catchUpOrRejoin(group, from);
            }
        }
        throw new IOException("the group kept changing; the message was not sent");
    }

    private static byte[] textPayload(String text) {
        ObjectNode o = Json.object();
        o.put("type", "text");
        o.put("text", text);
        o.put("ts", System.currentTimeMillis());
        byte[] b = Json.compact(o).getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("the message is longer than " + MAX_TEXT_BYTES + " bytes");
        }
        return b;
    }

    // --- receiving ---------------------------------------------------------------------------------------------

    /**
     * Fetches and applies everything pending (Welcomes, commits, messages), then acknowledges it, and tops this
     * installation's KeyPackage supply up to {@value #KEY_PACKAGE_SUPPLY}.
     */
    public synchronized SyncReport sync() throws IOException, HubException {
        return syncLocked();
    }

    /**
     * Like {@link #sync}, but first waits (long poll, up to 25 s) for something to arrive. The wait holds no lock, so
     * another thread may send meanwhile.
     */
    public SyncReport await() throws IOException, HubException {
        hub.send("GET", "/v1/inbox/" + installationId() + "/wait", null, signer());
        return sync();
    }

    private SyncReport syncLocked() throws IOException, HubException {
        List<ChatMessage> received = new ArrayList<>();
        List<String> joined = new ArrayList<>();
        List<String> removedFrom = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        Set<String> withLeavers = new LinkedHashSet<>();
        Set<String> behind = new LinkedHashSet<>();
        for (int round = 0; round < 1000; round++) {
            JsonNode inbox = hub.send("GET", "/v1/inbox/" + installationId(), null, signer());
            JsonNode items = inbox.path("items");
            if (items.isEmpty()) {
                break;
            }
            Map<String, Long> acks = new LinkedHashMap<>();
            Map<String, Record> touched = new LinkedHashMap<>();
            for (JsonNode item : items) {
                String group = item.path("group").asString("");
                long seq = item.path("seq").asLong();
                Record r = touched.containsKey(group) ? touched.get(group) : load(group);
                if (r != null && seq <= r.cursor()) {
                    acks.put(group, seq); // applied before a crash, not yet acknowledged: skip
                    continue;
                }
                String kind = item.path("kind").asString("");
                byte[] body = b64(item.path("body").asString(""));
                if (kind.equals("welcome")) {
                    // A Welcome to a group we still have state for means we were removed and added back before we
                    // saw the removal: the verified Welcome replaces the stale state; unread messages are kept.
                    Record fresh = join(group, body, rejected, seq, r);
                    if (fresh != null) {
                        r = fresh;
                        joined.add(group);
                    }
                } else if (r == null || r.state == null) {
                    rejected.add(group + "#" + seq + ": " + kind + " for a group this installation is not in");
                } else if ((kind.equals("commit") || kind.equals("application"))
                        && (behind.contains(group) || item.path("epoch").asLong() > r.state.epoch())) {
                    // Sent in an epoch this installation never reached (its own accepted commit's answer was lost,
                    // or its state is older than the group): undecryptable here; it rejoins below.
                    behind.add(group);
                    rejected.add(group + "#" + seq + ": " + kind + " of epoch " + item.path("epoch").asLong()
                            + " missed: this installation is at epoch " + r.state.epoch() + " and rejoins");
                } else if (kind.equals("commit")) {
                    applyCommit(r, body, seq, item.path("epoch").asLong(), rejected, removedFrom);
                } else if (kind.equals("application")) {
                    ChatMessage m = applyMessage(r, body, seq, rejected);
                    if (m != null && !m.request()) {
                        received.add(m);
                    }
                } else if (kind.equals("leave")) {
                    r.doc.withArray("leavers").add(item.path("sender").asString("") + "/"
                            + item.path("senderInstallation").asString(""));
                    withLeavers.add(group);
                } else {
                    rejected.add(group + "#" + seq + ": unknown kind " + kind);
                }
                if (r != null) {
                    r.doc.put("cursor", seq);
                    touched.put(group, r);
                }
                acks.put(group, seq);
            }
            for (Record r : touched.values()) {
                r.save();
            }
            ObjectNode ack = Json.object();
            ArrayNode list = ack.putArray("acks");
            acks.forEach((g, s) -> list.addObject().put("group", g).put("seq", s));
            hub.send("POST", "/v1/inbox/" + installationId() + "/ack", ack, signer());
            if (items.size() < INBOX_PAGE) {
                break; // a short page: nothing more is waiting
            }
        }
        for (String group : behind) {
            try {
                rejoin(group);
                joined.add(group);
            } catch (IOException | HubException | MlsException | IllegalStateException e) {
                rejected.add(group + ": could not rejoin: " + e.getMessage());
            }
        }
        removeLeavers(withLeavers, rejected);
        // Others consume this installation's KeyPackages (to add it to groups, or just to drain them): every sync
        // tops the supply up, so it never runs out. A refusal (e.g. a rate limit) is retried on the next sync.
        try {
            publishKeyPackages();
        } catch (HubException e) {
            // Not this sync's failure: what it applied stands, and the next sync tops up again.
        }
        return new SyncReport(received, joined, removedFrom, rejected);
    }

    /**
     * After a 409 from the hub and a sync: if the sync moved this installation's state on, the caller simply tries
     * again; if it did not, the group is at an epoch the inbox cannot bring us to (our own accepted commit whose
     * answer was lost, or state restored from an older copy), so rejoin.
     */
    private void catchUpOrRejoin(String group, long epochBefore) throws IOException, HubException {
        Record r = require(group);
        if (r.state.epoch() == epochBefore) {
            rejoin(group);
        }
    }

    /**
     * Rejoins a group this installation fell behind in: fetches the group's latest GroupInfo from the hub (uploaded
     * and signed by the member whose commit made that epoch, checked with its whole tree by the engine; a policy
     * change in it counts only if an admin this installation knows signed it) and submits an external
     * commit that replaces this installation's old leaf by a fresh one with the same credential (a resync). Other
     * members accept such a commit only as a resync ({@link GroupPolicy#checkResync}). Whatever was sent in the
     * epochs in between stays unreadable here (forward secrecy). Refuses when the group moved on through a commit
     * this installation refused, which a rejoin would otherwise adopt.
     */
    private void rejoin(String group) throws IOException, HubException {
        for (int attempt = 0; attempt < MAX_REBASES; attempt++) {
            Record r = require(group);
            long mine = r.state.epoch();
            if (r.doc.path("refusedAt").asLong(-1) == mine) {
                throw new IllegalStateException("group " + group + " moved on through a commit this installation"
                        + " refused in epoch " + mine + "; not rejoining");
            }
            JsonNode got = hub.send("GET", "/v1/groups/" + group + "/group-info/" + installationId(), null,
                    signer());
            MlsMessage gi = MlsMessage.decode(b64(got.path("groupInfo").asString("")));
            if (gi.wireFormat() != MlsMessage.GROUP_INFO
                    || !Arrays.equals(gi.groupInfo().groupContext().groupId(), r.state.groupId())) {
                throw new MlsException("the hub's GroupInfo is not for group " + group);
            }
            long epoch = gi.groupInfo().groupContext().epoch();
            if (epoch <= mine) {
                throw new IllegalStateException("the hub's GroupInfo (epoch " + epoch + ") is not newer than this"
                        + " installation's state (epoch " + mine + ")");
            }
            if (got.path("groupEpoch").asLong(epoch) != epoch) {
                throw new IOException("the hub has no GroupInfo for the group's current epoch yet; try again later");
            }
            Credential mineCredential = r.state.members().get(r.state.myLeafIndex()).credential();
            RatchetTree tree = treeOf(gi);
            // Our leaf as the group has it now, found by credential: a rejoin whose answer was lost already moved it
            // (a resync adds the new leaf at the leftmost free index), so the local index may name someone else.
            int myLeaf = -1;
            for (Map.Entry<Integer, LeafNode> m : leaves(tree).entrySet()) {
                if (Arrays.equals(m.getValue().credential().encode(), mineCredential.encode())) {
                    myLeaf = m.getKey();
                }
            }
            if (myLeaf < 0) {
                throw new IllegalStateException("this installation is no longer a member of group " + group);
            }
            // The GroupInfo came from whichever routed member made the last commit. A policy it carries that differs
            // from ours is adopted only if an admin we know signed it; otherwise a member could rewrite the policy
            // for everyone who rejoins.
            GroupPolicy now = GroupPolicy.from(dev.carapace.mls.message.Extension.decodeBody(
                    gi.groupInfo().groupContext().extensions()));
            GroupPolicy before = GroupPolicy.from(r.state.contextExtensions());
            if (!now.equals(before)) {
                LeafNode signer = gi.groupInfo().signer() < tree.leafCount()
                        ? tree.leaf((int) gi.groupInfo().signer()) : null;
                if (signer == null || !before.admins().contains(claimsOf(signer).agent())) {
                    throw new MlsException("the group's policy changed while this installation was behind, and the"
                            + " GroupInfo is not signed by an admin it knows; not rejoining");
                }
            }
            // The very same credential as our old leaf: members (and the engine) accept a resync only so.
            KeyPackageBundle me = KeyPackageBundle.create(SUITE, mineCredential,
                    signaturePrivateKey(), KEY_PACKAGE_LIFETIME, CAPABILITIES);
            ExternalJoin j = Group.joinExternal(config, gi, null, me, myLeaf);
            ObjectNode body = Json.object();
            body.put("installation", installationId());
            body.put("epoch", epoch);
            body.put("commit", Bytes.b64(j.commit().encode()));
            body.put("groupInfo", Bytes.b64(j.group().groupInfo(true).encode()));
            try {
                JsonNode ok = hub.send("POST", "/v1/groups/" + group + "/commits", body, signer());
                r.state = j.group();
                r.doc.put("cursor", Math.max(r.cursor(), ok.path("seq").asLong()));
                r.doc.remove("refusedAt");
                r.save();
                return;
            } catch (HubException e) {
                if (e.error() != ErrorReason.EPOCH_CONFLICT) {
                    throw e;
                }
                // Someone committed meanwhile: that GroupInfo is stale; fetch the new one and try again.
            }
        }
        throw new IOException("gave up rejoining group " + group + " after " + MAX_REBASES + " conflicts");
    }

    /** The ratchet tree a GroupInfo carries (rejoining always asks for it inline). */
    private static RatchetTree treeOf(MlsMessage gi) {
        dev.carapace.mls.message.Extension t = dev.carapace.mls.message.Extension.find(gi.groupInfo().extensions(),
                dev.carapace.mls.message.Extension.RATCHET_TREE);
        if (t == null) {
            throw new MlsException("the hub's GroupInfo carries no ratchet tree");
        }
        return RatchetTree.decode(t.data());
    }

    private static Map<Integer, LeafNode> leaves(RatchetTree tree) {
        Map<Integer, LeafNode> out = new java.util.TreeMap<>();
        for (int i : tree.occupiedLeaves()) {
            out.put(i, tree.leaf(i));
        }
        return out;
    }

    private Record join(String group, byte[] body, List<String> rejected, long seq, Record previous)
            throws IOException {
        ArrayNode bundles = (ArrayNode) installation.get("bundles");
        try {
            MlsMessage m = MlsMessage.decode(body);
            Welcome w = m.welcome();
            if (w == null) {
                throw new MlsException("not a Welcome");
            }
            for (int i = 0; i < bundles.size(); i++) {
                JsonNode bj = bundles.get(i);
                byte[] ref = b64url(bj.get("ref").asString());
                if (w.secrets().stream().noneMatch(s -> Arrays.equals(s.newMember(), ref))) {
                    continue;
                }
                Group g = Group.join(config, m, bundleFrom(bj), null);
                if (!Bytes.b64url(g.groupId()).equals(group)) {
                    throw new MlsException("the Welcome is for another group");
                }
                if (!bj.path("lastResort").asBoolean(false)) {
                    bundles.remove(i); // one-time keys: gone once used
                    saveInstallation();
                }
                ObjectNode doc = previous != null ? previous.doc : Json.object();
                doc.put("group", group);
                if (!doc.has("name")) {
                    doc.put("name", "");
                }
                doc.put("cursor", seq);
                doc.put("removed", false);
                doc.withArray("unread");
                doc.withArray("held");
                doc.putArray("leavers");
                Record r = new Record(group, doc, g);
                r.save();
                return r;
            }
            rejected.add(group + "#" + seq + ": a Welcome for none of this installation's KeyPackages");
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            rejected.add(group + "#" + seq + ": Welcome refused: " + e.getMessage());
        }
        return null;
    }

    /**
     * Applies a commit on a copy of the state and adopts the copy only if the commit respects the group policy
     * ({@link GroupPolicy#checkCommit}). A commit that removes this installation cannot be attributed (the engine
     * stops at the removal), so it is obeyed: the state is dropped.
     */
    private void applyCommit(Record r, byte[] body, long seq, long epoch, List<String> rejected,
                             List<String> removedFrom) {
        Group before = r.state;
        try {
            Group after = Group.load(config, before.save());
            MlsMessage m = MlsMessage.decode(body);
            after.process(m);
            boolean external = m.wireFormat() == MlsMessage.PUBLIC_MESSAGE
                    && m.publicMessage().content().sender().type() == Sender.NEW_MEMBER_COMMIT;
            if (external) {
                GroupPolicy.checkResync(before, after);
            } else {
                GroupPolicy.checkCommit(before, after);
            }
            r.state = after;
        } catch (RemovedFromGroupException e) {
            r.doc.put("removed", true);
            r.doc.remove("state");
            r.state = null;
            removedFrom.add(r.group);
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            rejected.add(r.group + "#" + seq + ": commit refused: " + e.getMessage());
            if (epoch == before.epoch()) {
                // The hub moved the group on by a commit we refused: we must not rejoin the state it created.
                r.doc.put("refusedAt", epoch);
            }
        }
    }

    private ChatMessage applyMessage(Record r, byte[] body, long seq, List<String> rejected) throws IOException {
        try {
            Received got = r.state.process(MlsMessage.decode(body));
            if (!(got instanceof Received.Application app)) {
                throw new MlsException("not an application message");
            }
            LeafNode sender = r.state.members().get(app.senderLeaf());
            if (sender == null) {
                throw new MlsException("sender is not a member");
            }
            InstallationCertificate.Claims c = claimsOf(sender);
            JsonNode payload = Json.parse(app.data());
            Json.onlyFields(payload, "message", "type", "text", "ts");
            if (!"text".equals(payload.path("type").asString(""))) {
                throw new MlsException("unknown message type");
            }
            if (denied(c.agent())) {
                return null;
            }
            boolean request = !allowed(c.agent());
            ChatMessage m = new ChatMessage(r.group, seq, c.agent(), c.installation(),
                    payload.path("text").asString(""), payload.path("ts").asLong(0), request);
            r.doc.withArray(request ? "held" : "unread").add(messageJson(m));
            return m;
        } catch (MlsException | CryptoException | IllegalArgumentException | IndexOutOfBoundsException e) {
            rejected.add(r.group + "#" + seq + ": message refused: " + e.getMessage());
            return null;
        }
    }

    /** An admin commits the removal of installations that announced they left. */
    private void removeLeavers(Set<String> groups, List<String> rejected) throws IOException, HubException {
        for (String group : groups) {
            Record r = load(group);
            if (r == null || r.state == null || r.doc.withArray("leavers").isEmpty()) {
                continue;
            }
            if (!GroupPolicy.from(r.state.contextExtensions()).isAdmin(me)) {
                continue;
            }
            Set<String> leavers = new LinkedHashSet<>();
            r.doc.withArray("leavers").forEach(n -> leavers.add(n.asString()));
            r.doc.putArray("leavers");
            r.save();
            try {
                commit(r.group, rec -> removal(rec, l -> leavers.contains(key(claimsOf(l)))));
            } catch (HubException | IOException | MlsException e) {
                rejected.add(r.group + ": could not remove members who left: " + e.getMessage());
            }
        }
    }

    private static ObjectNode messageJson(ChatMessage m) {
        ObjectNode o = Json.object();
        o.put("group", m.group());
        o.put("seq", m.seq());
        o.put("sender", m.sender());
        o.put("senderInstallation", m.senderInstallation());
        o.put("text", m.text());
        o.put("ts", m.sentMs());
        return o;
    }

    private static ChatMessage messageFrom(JsonNode o, boolean request) {
        return new ChatMessage(o.path("group").asString(""), o.path("seq").asLong(), o.path("sender").asString(""),
                o.path("senderInstallation").asString(""), o.path("text").asString(""), o.path("ts").asLong(),
                request);
    }

    /** Syncs, then returns (and marks read) the group's unread messages from allowed senders, in order. */
    public synchronized List<ChatMessage> read(String group) throws IOException, HubException {
        syncLocked();
        Record r = load(group);
        if (r == null) {
            throw new IllegalArgumentException("this installation is not in group " + group);
        }
        List<ChatMessage> out = new ArrayList<>();
        r.doc.withArray("unread").forEach(n -> out.add(messageFrom(n, false)));
        r.doc.putArray("unread");
        r.save();
        return out;
    }

    /** Messages held because their senders are not allowed yet (the request box), all groups. */
    public synchronized List<ChatMessage> requests() throws IOException {
        List<ChatMessage> out = new ArrayList<>();
        for (GroupInfo gi : groups()) {
            Record r = load(gi.group());
            r.doc.withArray("held").forEach(n -> out.add(messageFrom(n, true)));
        }
        return out;
    }

    /**
     * Opens the hub's push WebSocket for this installation: {@code onPending} runs whenever the inbox has something
     * new (and once at once, to catch up). The socket carries no message; fetch with {@link #sync} or
     * {@link #read} (the CLI's {@code chat watch} does, under its home's lock). Authenticated by a single-use ticket
     * from a signed request.
     */
    public WebSocket openPush(Runnable onPending) throws IOException, HubException {
        JsonNode t = hub.send("POST", "/v1/inbox/" + installationId() + "/push-ticket", Json.object(), signer());
        URI uri = URI.create(hub.base().toString().replaceFirst("^http", "ws") + t.path("path").asString("")
                + "?ticket=" + t.path("ticket").asString(""));
        try {
            return PUSH_HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(uri, new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            if (last) {
                                onPending.run();
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot open the push connection: " + (e.getCause() == null ? e : e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    // --- contacts ----------------------------------------------------------------------------------------------

    private boolean allowed(String agent) {
        if (agent.equals(me)) {
            return true;
        }
        for (JsonNode n : installation.path("contacts").path("allow")) {
            if (n.asString("").equals(agent)) {
                return true;
            }
        }
        return false;
    }

    private boolean denied(String agent) {
        for (JsonNode n : installation.path("contacts").path("deny")) {
            if (n.asString("").equals(agent)) {
                return true;
            }
        }
        return false;
    }

    private void allowLocally(String agent) throws IOException {
        ObjectNode contacts = (ObjectNode) installation.get("contacts");
        removeFrom(contacts.withArray("deny"), agent);
        if (!allowed(agent)) {
            contacts.withArray("allow").add(agent);
        }
        saveInstallation();
    }

    private static void removeFrom(ArrayNode a, String value) {
        for (int i = a.size() - 1; i >= 0; i--) {
            if (a.get(i).asString("").equals(value)) {
                a.remove(i);
            }
        }
    }

    /** Allows an identity: its held messages move to the unread ones, and the hub lifts any denial. */
    public synchronized void allow(String agent) throws IOException, HubException {
        String id = parseId(agent);
        allowLocally(id);
        ObjectNode body = Json.object();
        body.put("agent", id);
        hub.send("POST", "/v1/contacts/allow", body, signer());
        for (GroupInfo gi : groups()) {
            Record r = load(gi.group());
            ArrayNode held = r.doc.withArray("held");
            boolean moved = false;
            for (int i = 0; i < held.size(); i++) {
                if (held.get(i).path("sender").asString("").equals(id)) {
                    r.doc.withArray("unread").add(held.get(i));
                    held.remove(i--);
                    moved = true;
                }
            }
            if (moved) {
                r.save();
            }
        }
    }

    /** Denies an identity: its held messages are dropped, and the hub stops delivering anything from it here. */
    public synchronized void deny(String agent) throws IOException, HubException {
        String id = parseId(agent);
        if (id.equals(me)) {
            throw new IllegalArgumentException("an agent cannot deny itself");
        }
        ObjectNode contacts = (ObjectNode) installation.get("contacts");
        removeFrom(contacts.withArray("allow"), id);
        if (!denied(id)) {
            contacts.withArray("deny").add(id);
        }
        saveInstallation();
        ObjectNode body = Json.object();
        body.put("agent", id);
        hub.send("POST", "/v1/contacts/deny", body, signer());
        for (GroupInfo gi : groups()) {
            Record r = load(gi.group());
            ArrayNode held = r.doc.withArray("held");
            int before = held.size();
            for (int i = held.size() - 1; i >= 0; i--) {
                if (held.get(i).path("sender").asString("").equals(id)) {
                    held.remove(i);
                }
            }
            if (held.size() != before) {
                r.save();
            }
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private static String parseId(String id) {
        try {
            return AgentId.parse(id).toString();
        } catch (CryptoException e) {
            throw new IllegalArgumentException("not a valid agent id: " + id);
        }
    }

    private static KeyPackage decodeKeyPackage(byte[] b) {
        TlsReader r = new TlsReader(b);
        KeyPackage kp = KeyPackage.decode(r);
        r.requireFullyConsumed();
        return kp;
    }

    private static JsonNode parse(byte[] b) throws IOException {
        try {
            return Json.parse(b);
        } catch (CryptoException e) {
            throw new IOException("chat state is damaged: " + e.getMessage());
        }
    }

    private static byte[] b64(String s) {
        try {
            return Bytes.fromB64(s);
        } catch (CryptoException e) {
            throw new IllegalArgumentException("not base64");
        }
    }

    private static byte[] b64url(String s) {
        try {
            return Bytes.fromB64url(s);
        } catch (CryptoException e) {
            throw new IllegalArgumentException("not base64url");
        }
    }
}
