package dev.carapace.client.chat;

import static dev.carapace.client.chat.MemberCredentials.claimsOf;

import dev.carapace.client.HubException;
import dev.carapace.client.chat.ChatClient.ChatMessage;
import dev.carapace.client.chat.ChatClient.SyncReport;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.Json;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.Received;
import dev.carapace.mls.group.StagedCommit;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.Welcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Exactly-once processing of the hub's inbox: items are applied in the hub's order (Welcomes, commits checked against
 * the group policy, application messages sorted by the contact lists), the group records and their cursors written
 * together, and only then acknowledged; an item at or below a record's cursor is skipped if delivered again. After a
 * page: groups this installation fell behind in are rejoined, an admin removes members who left, and the KeyPackage
 * supply is topped up.
 */
final class InboxProcessor {
    /** The hub answers at most this many inbox items at a time. */
    static final int INBOX_PAGE = 200;

    private final String me;
    private final Installation installation;
    private final GroupStore groups;
    private final MessagingClient hub;
    private final GroupConfig config;
    private final KeyPackageSupply keyPackages;
    private final Contacts contacts;
    private final CommitSubmitter commits;

    InboxProcessor(String me, Installation installation, GroupStore groups, MessagingClient hub, GroupConfig config,
                   KeyPackageSupply keyPackages, Contacts contacts, CommitSubmitter commits) {
        this.me = me;
        this.installation = installation;
        this.groups = groups;
        this.hub = hub;
        this.config = config;
        this.keyPackages = keyPackages;
        this.contacts = contacts;
        this.commits = commits;
    }

    SyncReport sync() throws IOException, HubException {
        List<ChatMessage> received = new ArrayList<>();
        List<String> joined = new ArrayList<>();
        List<String> removedFrom = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        Set<String> withLeavers = new LinkedHashSet<>();
        Set<String> behind = new LinkedHashSet<>();
        for (int round = 0; round < 1000; round++) {
            List<MessagingClient.InboxItem> items = hub.inbox(installation.id);
            if (items.isEmpty()) {
                break;
            }
            Map<String, Long> acks = new LinkedHashMap<>();
            Map<String, GroupRecord> touched = new LinkedHashMap<>();
            for (MessagingClient.InboxItem item : items) {
                String group = item.group();
                long seq = item.seq();
                GroupRecord r;
                try {
                    r = touched.containsKey(group) ? touched.get(group) : groups.load(group);
                } catch (IllegalArgumentException e) {
                    // Not a group id: nothing to apply it to, nor to acknowledge it under.
                    rejected.add(group + "#" + seq + ": " + e.getMessage());
                    continue;
                }
                if (r != null && seq <= r.cursor) {
                    acks.put(group, seq); // applied before a crash, not yet acknowledged: skip
                    continue;
                }
                String kind = item.kind();
                byte[] body = item.body();
                if (body == null) {
                    rejected.add(group + "#" + seq + ": " + kind + " refused: the body is not base64");
                } else if (kind.equals("welcome")) {
                    // A Welcome to a group we still have state for means we were removed and added back before we
                    // saw the removal: the verified Welcome replaces the stale state; unread messages are kept.
                    GroupRecord fresh = join(group, body, rejected, seq, r);
                    if (fresh != null) {
                        r = fresh;
                        joined.add(group);
                    }
                } else if (r == null || r.state == null) {
                    rejected.add(group + "#" + seq + ": " + kind + " for a group this installation is not in");
                } else if ((kind.equals("commit") || kind.equals("application"))
                        && (behind.contains(group) || item.epoch() > r.state.epoch())) {
                    // Sent in an epoch this installation never reached (its own accepted commit's answer was lost,
                    // or its state is older than the group): undecryptable here; it rejoins below.
                    behind.add(group);
                    rejected.add(group + "#" + seq + ": " + kind + " of epoch " + item.epoch()
                            + " missed: this installation is at epoch " + r.state.epoch() + " and rejoins");
                } else if (kind.equals("commit")) {
                    applyCommit(r, body, seq, item.epoch(), rejected, removedFrom);
                } else if (kind.equals("application")) {
                    ChatMessage m = applyMessage(r, body, seq, rejected);
                    if (m != null && !m.request()) {
                        received.add(m);
                    }
                } else if (kind.equals("leave")) {
                    r.leavers.add(item.sender() + "/" + item.senderInstallation());
                    withLeavers.add(group);
                } else {
                    rejected.add(group + "#" + seq + ": unknown kind " + kind);
                }
                if (r != null) {
                    r.cursor = seq;
                    touched.put(group, r);
                }
                acks.put(group, seq);
            }
            for (GroupRecord r : touched.values()) {
                groups.save(r);
            }
            if (!acks.isEmpty()) {
                hub.ack(installation.id, acks);
            }
            if (items.size() < INBOX_PAGE) {
                break; // a short page: nothing more is waiting
            }
        }
        for (String group : behind) {
            try {
                commits.rejoin(group);
                joined.add(group);
            } catch (IOException | HubException | MlsException | IllegalStateException e) {
                rejected.add(group + ": could not rejoin: " + e.getMessage());
            }
        }
        removeLeavers(withLeavers, rejected);
        // Others consume this installation's KeyPackages (to add it to groups, or just to drain them): every sync
        // tops the supply up, so it never runs out. A refusal (e.g. a rate limit) is retried on the next sync.
        try {
            keyPackages.publish();
        } catch (HubException e) {
            // Not this sync's failure: what it applied stands, and the next sync tops up again.
        }
        return new SyncReport(received, joined, removedFrom, rejected);
    }

    private GroupRecord join(String group, byte[] body, List<String> rejected, long seq, GroupRecord previous)
            throws IOException {
        try {
            MlsMessage m = MlsMessage.decode(body);
            Welcome w = m.welcome();
            if (w == null) {
                throw new MlsException("not a Welcome");
            }
            Installation.StoredBundle bundle = keyPackages.addressedBy(w);
            if (bundle == null) {
                rejected.add(group + "#" + seq + ": a Welcome for none of this installation's KeyPackages");
                return null;
            }
            Group g = Group.join(config, m, keyPackages.open(bundle), null);
            if (!Bytes.b64url(g.groupId()).equals(group)) {
                throw new MlsException("the Welcome is for another group");
            }
            keyPackages.used(bundle); // one-time keys: gone once used
            GroupRecord r = previous != null ? previous : new GroupRecord(group, "", seq, g);
            r.joined(g, seq);
            groups.save(r);
            return r;
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            rejected.add(group + "#" + seq + ": Welcome refused: " + e.getMessage());
        }
        return null;
    }

    /**
     * Stages a commit and merges it only if it respects the group policy ({@link GroupPolicy#checkCommit}); a
     * refused commit is discarded and leaves the state as it was. A commit that removes this installation cannot be
     * attributed (the engine stops at the removal), so it is obeyed: the state is dropped.
     */
    private void applyCommit(GroupRecord r, byte[] body, long seq, long epoch, List<String> rejected,
                             List<String> removedFrom) {
        Group group = r.state;
        try {
            StagedCommit staged = group.stageCommit(MlsMessage.decode(body));
            if (staged.external()) {
                GroupPolicy.checkResync(group.publicGroup(), staged.publicGroup());
            } else {
                GroupPolicy.checkCommit(group.publicGroup(), staged.publicGroup());
            }
            group.merge(staged);
        } catch (RemovedFromGroupException e) {
            r.markRemoved();
            removedFrom.add(r.group);
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            rejected.add(r.group + "#" + seq + ": commit refused: " + e.getMessage());
            if (epoch == group.epoch()) {
                // The hub moved the group on by a commit we refused: we must not rejoin the state it created.
                r.refusedAt = epoch;
            }
        }
    }

    private ChatMessage applyMessage(GroupRecord r, byte[] body, long seq, List<String> rejected) {
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
            if (contacts.denied(c.agent())) {
                return null;
            }
            boolean request = !contacts.allowed(c.agent());
            ChatMessage m = new ChatMessage(r.group, seq, c.agent(), c.installation(),
                    payload.path("text").asString(""), payload.path("ts").asLong(0), request);
            (request ? r.held : r.unread).add(m);
            return m;
        } catch (MlsException | CryptoException | IllegalArgumentException | IndexOutOfBoundsException e) {
            rejected.add(r.group + "#" + seq + ": message refused: " + e.getMessage());
            return null;
        }
    }

    /** An admin commits the removal of installations that announced they left. */
    private void removeLeavers(Set<String> withLeavers, List<String> rejected) throws IOException {
        for (String group : withLeavers) {
            GroupRecord r = groups.load(group);
            if (r == null || r.state == null || r.leavers.isEmpty()) {
                continue;
            }
            if (!GroupPolicy.from(r.state.contextExtensions()).isAdmin(me)) {
                continue;
            }
            Set<String> leavers = new LinkedHashSet<>(r.leavers);
            r.leavers.clear();
            groups.save(r);
            try {
                commits.commit(r.group, rec -> CommitSubmitter.removal(rec,
                        l -> leavers.contains(MemberCredentials.key(claimsOf(l)))));
            } catch (HubException | IOException | MlsException e) {
                rejected.add(r.group + ": could not remove members who left: " + e.getMessage());
            }
        }
    }
}
