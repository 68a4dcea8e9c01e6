package dev.carapace.client.chat;

import static dev.carapace.client.chat.MemberCredentials.claimsOf;

import dev.carapace.client.HubException;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.ExternalJoin;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.tree.RatchetTree;
import dev.carapace.protocol.ErrorReason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Commits, so that the group never forks: a commit is built against the current state and submitted for its epoch;
 * when another member's commit won that epoch ({@code 409 epoch_conflict}), it is processed and the commit built
 * again on top, at most {@value #MAX_REBASES} times. An installation that fell behind where its inbox cannot bring it
 * (its own accepted commit whose answer was lost, or state restored from an older copy) rejoins by external commit.
 */
final class CommitSubmitter {
    static final int MAX_REBASES = 8;

    /** A commit to submit, built against the current state; rebuilt after each re-base. */
    record Built(PendingCommit pending, List<MessagingClient.Routing> add, List<MessagingClient.Routing> remove) {}

    /** Builds a commit against a record's current state, or answers null when there is nothing (left) to do. */
    @FunctionalInterface
    interface Builder {
        Built build(GroupRecord r) throws IOException, HubException;
    }

    private final GroupStore groups;
    private final MessagingClient hub;
    private final GroupConfig config;
    private final Installation installation;
    private final KeyPackageSupply keyPackages;
    private final GroupStore.Syncer syncer;

    CommitSubmitter(GroupStore groups, MessagingClient hub, GroupConfig config, Installation installation,
                    KeyPackageSupply keyPackages, GroupStore.Syncer syncer) {
        this.groups = groups;
        this.hub = hub;
        this.config = config;
        this.installation = installation;
        this.keyPackages = keyPackages;
        this.syncer = syncer;
    }

    /**
     * Submits a commit for the current epoch. On 409 epoch_conflict another member's commit won: process it (and
     * anything else pending) and build again on top, so the group never forks. Answers the epoch reached.
     */
    long commit(String group, Builder builder) throws IOException, HubException {
        for (int attempt = 0; attempt < MAX_REBASES; attempt++) {
            GroupRecord r = groups.require(group, syncer);
            Built b = builder.build(r);
            if (b == null) {
                return r.state.epoch();
            }
            // The next epoch's state, on a copy: its GroupInfo goes to the hub with the commit (so that a member
            // who falls behind can rejoin from it), and it becomes our state once the hub accepted the commit.
            Group next = Group.load(config, r.state.save());
            next.merge(b.pending());
            long from = r.state.epoch();
            try {
                long seq = hub.submitCommit(group, new MessagingClient.Commit(installation.id, from,
                        b.pending().commit(), next.groupInfo(true), b.pending().welcome(), b.add(), b.remove()));
                r.state = next;
                // Our own commit is never delivered back to us: move the cursor over it.
                r.cursor = Math.max(r.cursor, seq + b.add().size());
                groups.save(r);
                return r.state.epoch();
            } catch (HubException e) {
                if (e.error() != ErrorReason.EPOCH_CONFLICT) {
                    throw e;
                }
                syncer.sync();
                catchUpOrRejoin(group, from);
            }
        }
        throw new IOException("gave up after " + MAX_REBASES + " conflicting commits in a row");
    }

    /** Removes the members (other than this installation) whose leaves match; null when there are none. */
    static Built removal(GroupRecord r, Predicate<LeafNode> which) {
        List<Integer> leaves = new ArrayList<>();
        List<MessagingClient.Routing> routing = new ArrayList<>();
        r.state.members().forEach((i, l) -> {
            if (i != r.state.myLeafIndex() && which.test(l)) {
                leaves.add(i);
                InstallationCertificate.Claims c = claimsOf(l);
                routing.add(new MessagingClient.Routing(c.agent(), c.installation()));
            }
        });
        return leaves.isEmpty() ? null : new Built(r.state.remove(leaves), List.of(), routing);
    }

    /**
     * After a 409 from the hub and a sync: if the sync moved this installation's state on, the caller simply tries
     * again; if it did not, the group is at an epoch the inbox cannot bring us to (our own accepted commit whose
     * answer was lost, or state restored from an older copy), so rejoin.
     */
    void catchUpOrRejoin(String group, long epochBefore) throws IOException, HubException {
        GroupRecord r = groups.require(group, syncer);
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
    void rejoin(String group) throws IOException, HubException {
        for (int attempt = 0; attempt < MAX_REBASES; attempt++) {
            GroupRecord r = groups.require(group, syncer);
            long mine = r.state.epoch();
            if (r.refusedAt != null && r.refusedAt == mine) {
                throw new IllegalStateException("group " + group + " moved on through a commit this installation"
                        + " refused in epoch " + mine + "; not rejoining");
            }
            MessagingClient.LatestGroupInfo got = hub.groupInfo(group, installation.id);
            MlsMessage gi = got.groupInfo();
            if (!Arrays.equals(gi.groupInfo().groupContext().groupId(), r.state.groupId())) {
                throw new MlsException("the hub's GroupInfo is not for group " + group);
            }
            long epoch = gi.groupInfo().groupContext().epoch();
            if (epoch <= mine) {
                throw new IllegalStateException("the hub's GroupInfo (epoch " + epoch + ") is not newer than this"
                        + " installation's state (epoch " + mine + ")");
            }
            if (got.groupEpoch() != epoch) {
                throw new IOException("the hub has no GroupInfo for the group's current epoch yet; try again later");
            }
            Credential mineCredential = r.state.members().get(r.state.myLeafIndex()).credential();
            RatchetTree tree = treeOf(gi);
            // Our leaf as the group has it now, found by credential: a rejoin whose answer was lost already moved it
            // (a resync adds the new leaf at the leftmost free index), so the local index may name someone else.
            int myLeaf = -1;
            for (int i : tree.occupiedLeaves()) {
                if (Arrays.equals(tree.leaf(i).credential().encode(), mineCredential.encode())) {
                    myLeaf = i;
                }
            }
            if (myLeaf < 0) {
                throw new IllegalStateException("this installation is no longer a member of group " + group);
            }
            // The GroupInfo came from whichever routed member made the last commit. A policy it carries that differs
            // from ours is adopted only if an admin we know signed it; otherwise a member could rewrite the policy
            // for everyone who rejoins.
            GroupPolicy now = GroupPolicy.from(Extension.decodeBody(gi.groupInfo().groupContext().extensions()));
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
            KeyPackageBundle me = keyPackages.fresh(mineCredential);
            ExternalJoin j = Group.joinExternal(config, gi, null, me, myLeaf);
            try {
                long seq = hub.submitCommit(group, new MessagingClient.Commit(installation.id, epoch, j.commit(),
                        j.group().groupInfo(true), null, List.of(), List.of()));
                r.state = j.group();
                r.cursor = Math.max(r.cursor, seq);
                r.refusedAt = null;
                groups.save(r);
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
        Extension t = Extension.find(gi.groupInfo().extensions(), Extension.RATCHET_TREE);
        if (t == null) {
            throw new MlsException("the hub's GroupInfo carries no ratchet tree");
        }
        return RatchetTree.decode(t.data());
    }
}
