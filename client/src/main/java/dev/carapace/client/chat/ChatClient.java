package dev.carapace.client.chat;

import static dev.carapace.client.chat.MemberCredentials.claimsOf;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.message.Capabilities;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.Proposal;
import dev.carapace.protocol.ErrorReason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.node.ObjectNode;

/**
 * One installation of an agent taking part in end-to-end encrypted groups through a hub. The hub only orders and
 * relays ciphertext; this class holds the MLS state, encrypted at rest under the agent's storage key.
 *
 * <p>A front over its parts: the typed {@link MessagingClient} (the only one that speaks to the hub), the
 * {@link Installation} and {@link GroupRecord}s in a {@link GroupStore} (sealed at rest), the
 * {@link KeyPackageSupply}, {@link MemberCredentials}, {@link CommitSubmitter} (re-base and rejoin),
 * {@link InboxProcessor} and {@link Contacts}.
 *
 * <p>Exactly once: items from the inbox are applied in the hub's order, the group state and its cursor are written
 * together, and only then acknowledged; an item at or below the stored cursor is skipped if delivered again.
 * Methods are synchronized within one process (the parts are not thread-safe on their own). Processes sharing the
 * state folder must take turns (the CLI holds a lock on its home across each command) and {@link #reload} after
 * another may have written; as a second line of defence every file carries a revision, and a write over a revision
 * this object did not read is refused, so an older state is never written back over a newer one.
 */
public final class ChatClient {
    public static final CipherSuite SUITE = CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /**
     * What every installation's KeyPackage advertises: the group policy extension must be listed, because a group
     * context may only carry extensions that every member supports (RFC 9420 §11.1).
     */
    public static final Capabilities CAPABILITIES = new Capabilities(List.of(1), List.of(SUITE.id()),
            List.of(GroupPolicy.EXTENSION_TYPE), List.of(), List.of(Credential.BASIC));
    static final int MAX_TEXT_BYTES = 64 * 1024;
    // One client for every push socket of this process (each HttpClient has its own selector thread).
    private static final HttpClient PUSH_HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .build();

    private final KeyEventLog identity;
    private final Ed25519KeyPair identityKey;
    private final String me;
    private final Path dir;
    private final StateVault vault;
    private final MessagingClient hub;
    private final GroupStore groups;
    private final GroupConfig config;
    private Installation installation;
    private MemberCredentials credentials;
    private KeyPackageSupply keyPackages;
    private Contacts contacts;
    private CommitSubmitter commits;
    private InboxProcessor inbox;

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
        this.identity = identity;
        this.identityKey = identityKey;
        this.me = identity.id().toString();
        this.dir = dir;
        this.vault = new StateVault(storageKey);
        this.hub = new MessagingClient(hub, this::signer);
        // The groups validate credentials through whichever MemberCredentials the current installation record has.
        this.config = GroupConfig.defaults((credential, key) -> credentials.validate(credential, key));
        this.groups = new GroupStore(vault, dir.resolve("groups"), config);
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

    private void loadInstallation() throws IOException {
        installation = Installation.open(vault, dir, Bytes.b64url(randomId()));
        credentials = new MemberCredentials(identity, identityKey, installation, hub);
        keyPackages = new KeyPackageSupply(installation, credentials, hub);
        contacts = new Contacts(me, installation, groups, hub);
        commits = new CommitSubmitter(groups, hub, config, installation, keyPackages, this::syncLocked);
        inbox = new InboxProcessor(me, installation, groups, hub, config, keyPackages, contacts, commits);
    }

    public String agentId() {
        return me;
    }

    public synchronized String installationId() {
        return installation.id;
    }

    private Signer signer() {
        return Signer.current(identity, identityKey);
    }

    /**
     * Forgets what this object read from the state folder, so the next call reads it again: for a process that shares
     * the folder with others, after it took its turn.
     */
    public synchronized void reload() throws IOException {
        groups.forget();
        loadInstallation();
    }

    /**
     * Tops the hub's supply of this installation's one-time KeyPackages up to {@value KeyPackageSupply#SUPPLY}, and
     * uploads a last-resort KeyPackage if the hub has none. Returns how many were uploaded.
     */
    public synchronized int publishKeyPackages() throws IOException, HubException {
        return keyPackages.publish();
    }

    // --- groups ------------------------------------------------------------------------------------------------------

    /** The groups this installation has state for. */
    public synchronized List<GroupInfo> groups() throws IOException {
        List<GroupInfo> out = new ArrayList<>();
        for (GroupRecord r : groups.all()) {
            out.add(info(r));
        }
        return out;
    }

    public synchronized GroupInfo group(String group) throws IOException {
        return info(known(group));
    }

    private GroupRecord known(String group) throws IOException {
        GroupRecord r = groups.load(group);
        if (r == null) {
            throw new IllegalArgumentException("this installation is not in group " + group);
        }
        return r;
    }

    private static GroupInfo info(GroupRecord r) {
        if (r.state == null) {
            return new GroupInfo(r.group, r.name, -1, List.of(), Set.of(), true);
        }
        Set<String> agents = new TreeSet<>();
        r.state.members().values().forEach(l -> agents.add(claimsOf(l).agent()));
        return new GroupInfo(r.group, r.name, r.state.epoch(), List.copyOf(agents),
                GroupPolicy.from(r.state.contextExtensions()).admins(), false);
    }

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
        Optional<String> existing = hub.directGroup(peerId);
        if (existing.isPresent()) {
            if (groups.load(existing.get()) != null) {
                return existing.get();
            }
            syncLocked();
            if (groups.load(existing.get()) != null) {
                return existing.get();
            }
            throw new IllegalStateException("a direct group with " + peerId + " exists but this installation is not"
                    + " in it yet; ask for an invitation");
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
        Group g = Group.create(config, gid, keyPackages.fresh(credentials.own()));
        // Epoch 0 to 1 installs the policy; nobody else is in the group yet, so no one needs this commit.
        PendingCommit policy = g.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(new GroupPolicy(Set.of(me)).toExtension()))));
        g.merge(policy);
        groups.save(new GroupRecord(group, name == null ? "" : name, 0, g));
        hub.createGroup(group, installation.id, g.epoch(), g.groupInfo(true), directPeer);
        return group;
    }

    /**
     * Adds every installation of each agent (one KeyPackage each, checked against the agent's identity) in one
     * commit. Only admins may; the invited agents are allowed as contacts.
     */
    public synchronized long invite(String group, List<String> agents) throws IOException, HubException {
        requireAdmin(groups.require(group, this::syncLocked));
        List<KeyPackage> kps = new ArrayList<>();
        List<MessagingClient.Routing> routing = new ArrayList<>();
        for (String a : agents) {
            String agent = parseId(a);
            for (MessagingClient.Claimed claimed : hub.claimKeyPackages(agent)) {
                KeyPackage kp = claimed.keyPackage();
                var c = claimsOf(kp.leafNode());
                if (!c.agent().equals(agent) || !c.installation().equals(claimed.installation())) {
                    throw new MlsException("the hub returned a KeyPackage of another installation");
                }
                // A new binding: certified by the invitee's current key (the engine's check accepts logged keys).
                credentials.validateNewBinding(kp.leafNode().credential(), kp.leafNode().signatureKey());
                kps.add(kp);
                routing.add(new MessagingClient.Routing(agent, c.installation()));
            }
            contacts.allowLocally(agent);
        }
        return commits.commit(group, r -> {
            requireAdmin(r);
            Set<String> present = new LinkedHashSet<>();
            r.state.members().values().forEach(l -> present.add(MemberCredentials.key(claimsOf(l))));
            List<KeyPackage> fresh = new ArrayList<>();
            List<MessagingClient.Routing> freshRouting = new ArrayList<>();
            for (int i = 0; i < kps.size(); i++) {
                if (!present.contains(routing.get(i).agent() + "/" + routing.get(i).installation())) {
                    fresh.add(kps.get(i));
                    freshRouting.add(routing.get(i));
                }
            }
            return fresh.isEmpty() ? null : new CommitSubmitter.Built(r.state.add(fresh), freshRouting, List.of());
        });
    }

    /** Removes every installation of {@code agent}. Only admins may. */
    public synchronized long remove(String group, String agent) throws IOException, HubException {
        String target = parseId(agent);
        return commits.commit(group, r -> {
            requireAdmin(r);
            return CommitSubmitter.removal(r, l -> claimsOf(l).agent().equals(target));
        });
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
        if (keyId.equals(installation.certifiedBy)) {
            return List.of();
        }
        List<String> failed = new ArrayList<>();
        for (GroupRecord rec : groups.all()) {
            if (!staleCertificate(rec)) {
                continue;
            }
            try {
                commits.commit(rec.group, r -> staleCertificate(r)
                        ? new CommitSubmitter.Built(r.state.update(credentials.own()), List.of(), List.of()) : null);
            } catch (HubException | IOException | MlsException | IllegalStateException e) {
                failed.add(rec.group + ": " + e.getMessage());
            }
        }
        if (failed.isEmpty()) {
            installation.certifiedBy = keyId;
            installation.save();
        }
        return failed;
    }

    private boolean staleCertificate(GroupRecord r) {
        return r.state != null && !claimsOf(r.state.members().get(r.state.myLeafIndex())).keyId()
                .equals(identity.currentKeyId());
    }

    /** Refreshes this installation's keys in the group (post-compromise security). Any member may. */
    public synchronized long update(String group) throws IOException, HubException {
        return commits.commit(group, r -> new CommitSubmitter.Built(r.state.update(), List.of(), List.of()));
    }

    /**
     * Leaves: the hub stops routing the group here at once and tells the members; an admin's client then commits
     * the removal of this installation's leaf. The local state is deleted.
     */
    public synchronized void leave(String group) throws IOException, HubException {
        GroupRecord r = groups.require(group, this::syncLocked);
        hub.leave(group, installation.id);
        r.markRemoved();
        groups.save(r);
    }

    private void requireAdmin(GroupRecord r) {
        if (!GroupPolicy.from(r.state.contextExtensions()).isAdmin(me)) {
            throw new IllegalStateException("only an admin of the group may add or remove members");
        }
    }

    // --- sending -----------------------------------------------------------------------------------------------------

    /** Encrypts and sends a text; if the group moved on meanwhile, catches up and sends again. Returns its seq. */
    public synchronized long send(String group, String text) throws IOException, HubException {
        byte[] payload = textPayload(text);
        for (int attempt = 0; attempt < CommitSubmitter.MAX_REBASES; attempt++) {
            GroupRecord r = groups.require(group, this::syncLocked);
            MlsMessage m = r.state.encrypt(payload, new byte[0]);
            // The secret tree advanced: persist before sending, so a generation is never reused after a crash.
            groups.save(r);
            try {
                return hub.sendMessage(group, installation.id, m);
            } catch (HubException e) {
                if (e.error() != ErrorReason.STALE_EPOCH) {
                    throw e;
                }
                long from = r.state.epoch();
                syncLocked();
                commits.catchUpOrRejoin(group, from);
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

    // --- receiving ---------------------------------------------------------------------------------------------------

    /**
     * Fetches and applies everything pending (Welcomes, commits, messages), then acknowledges it, and tops this
     * installation's KeyPackage supply up to {@value KeyPackageSupply#SUPPLY}.
     */
    public synchronized SyncReport sync() throws IOException, HubException {
        return syncLocked();
    }

    /**
     * Like {@link #sync}, but first waits (long poll, up to 25 s) for something to arrive. The wait holds no lock, so
     * another thread may send meanwhile.
     */
    public SyncReport await() throws IOException, HubException {
        hub.awaitInbox(installationId());
        return sync();
    }

    private SyncReport syncLocked() throws IOException, HubException {
        return inbox.sync();
    }

    /** Syncs, then returns (and marks read) the group's unread messages from allowed senders, in order. */
    public synchronized List<ChatMessage> read(String group) throws IOException, HubException {
        syncLocked();
        GroupRecord r = known(group);
        List<ChatMessage> out = new ArrayList<>(r.unread);
        r.unread.clear();
        groups.save(r);
        return out;
    }

    /** Messages held because their senders are not allowed yet (the request box), all groups. */
    public synchronized List<ChatMessage> requests() throws IOException {
        List<ChatMessage> out = new ArrayList<>();
        for (GroupRecord r : groups.all()) {
            out.addAll(r.held);
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
        MessagingClient.PushTicket t = hub.pushTicket(installationId());
        URI uri = URI.create(hub.base().toString().replaceFirst("^http", "ws") + t.path() + "?ticket=" + t.ticket());
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

    // --- contacts ----------------------------------------------------------------------------------------------------

    /** Allows an identity: its held messages move to the unread ones, and the hub lifts any denial. */
    public synchronized void allow(String agent) throws IOException, HubException {
        contacts.allow(parseId(agent));
    }

    /** Denies an identity: its held messages are dropped, and the hub stops delivering anything from it here. */
    public synchronized void deny(String agent) throws IOException, HubException {
        contacts.deny(parseId(agent));
    }

    private static String parseId(String id) {
        try {
            return AgentId.parse(id).toString();
        } catch (CryptoException e) {
            throw new IllegalArgumentException("not a valid agent id: " + id);
        }
    }
}
