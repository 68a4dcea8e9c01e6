package dev.carapace.mls.group;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.PrivateMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.schedule.TranscriptHash;
import dev.carapace.mls.tree.RatchetTree;
import dev.carapace.mls.tree.TreeKem;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A commit fully verified and computed, not yet applied: the epoch it leads to, with its tree, GroupContext, secrets
 * and this member's new keys. {@link Group#stageCommit} makes one from a received commit without changing the group
 * in any way (not even the secret-tree key that decrypted the commit is consumed); {@link Group#merge(StagedCommit)}
 * moves the group into the new epoch, and dropping the object discards it. It merges only into the group that
 * staged it, and only while that group is still in the epoch it was staged in. In between, {@link #publicGroup()} shows
 * the new epoch's members and extensions, e.g. to check the commit against an application policy.
 *
 * <p>A commit that fails any check never becomes a StagedCommit: staging throws. A commit that removes this member
 * throws {@link RemovedFromGroupException} when staged.
 */
public final class StagedCommit {
    final EpochState next;
    final long fromEpoch;
    /**
     * The received PrivateMessage, decrypted at staging with a copy of the epoch's secret tree; merging decrypts it
     * again with the group's own secret tree, so that its key is consumed exactly once, and only if merged. Null
     * for a PublicMessage and for this member's own commit.
     */
    final PrivateMessage privateMessage;
    /** The group that staged a received commit (null for an own commit). */
    final Group stagedBy;
    /** HPKE public keys computed for private keys this commit brings, by array identity (see Group#publicKeyOf). */
    final Map<byte[], byte[]> learnedPublicKeys;
    private final boolean external;

    private StagedCommit(EpochState next, long fromEpoch, PrivateMessage privateMessage, Group stagedBy,
            Map<byte[], byte[]> learnedPublicKeys, boolean external) {
        this.next = next;
        this.fromEpoch = fromEpoch;
        this.privateMessage = privateMessage;
        this.stagedBy = stagedBy;
        this.learnedPublicKeys = learnedPublicKeys;
        this.external = external;
    }

    /** The epoch the commit leads to. */
    public long epoch() {
        return next.epoch();
    }

    /** The public state (tree and GroupContext) of the epoch the commit leads to. */
    public PublicGroup publicGroup() {
        return next.publicGroup();
    }

    /** Whether the commit is an external commit (from a new_member_commit sender: a join or a resync). */
    public boolean external() {
        return external;
    }

    /** This member's own commit, computed by {@link CommitBuilder}. */
    static StagedCommit own(EpochState next, long fromEpoch) {
        return new StagedCommit(next, fromEpoch, null, null, Map.of(), false);
    }

    /**
     * Verifies and computes a received commit whose framing {@code group} has verified in its current epoch
     * {@code st} (RFC 9420 §12.4.2). Changes nothing in {@code group}.
     *
     * @param privateMessage the commit as received, if it was a PrivateMessage (decrypted with a copy of the
     *        secret tree), else null
     * @throws RemovedFromGroupException if the commit removes this member
     */
    static StagedCommit stage(Group group, EpochState st, AuthenticatedContent ac, PrivateMessage privateMessage) {
        GroupConfig config = group.config();
        CipherSuite s = st.suite();
        FramedContent fc = ac.content();
        Commit commit = fc.commit();
        Sender sender = fc.sender();
        boolean external = sender.type() == Sender.NEW_MEMBER_COMMIT;
        if (!external && sender.type() != Sender.MEMBER) {
            throw new ProtocolViolationException("commit from sender type " + sender.type());
        }
        if (!external && sender.index() == st.myLeaf()) {
            throw new ProtocolViolationException("own commit: use merge(PendingCommit)");
        }
        int committer = external ? -1 : (int) sender.index();
        List<PublicGroup.SenderProposal> props = new ArrayList<>();
        byte[] myUpdateKey = null;
        for (Commit.ProposalOrRef por : commit.proposals()) {
            if (por.proposal() != null) {
                props.add(new PublicGroup.SenderProposal(por.proposal(), committer));
            } else {
                if (external) {
                    throw new ProtocolViolationException("external commit with a proposal by reference");
                }
                ProposalStore.StoredProposal sp = group.proposals().get(por.reference());
                if (sp == null) {
                    throw new ProtocolViolationException("commit references an unknown proposal");
                }
                props.add(new PublicGroup.SenderProposal(sp.proposal(), sp.senderLeaf()));
                byte[] own = group.proposals().ownUpdateKey(por.reference());
                if (own != null) {
                    myUpdateKey = own;
                }
            }
        }
        PublicGroup.Diff a = st.publicGroup().applyProposals(config, props, committer, external);
        RatchetTree tree = a.tree;
        if (external) {
            if (commit.path() == null) {
                throw new ProtocolViolationException("external commit without a path");
            }
            if (a.resyncRemoved != null) {
                TreeValidation.checkResync(a.resyncRemoved, commit.path().leafNode());
            }
            committer = tree.addLeaf(commit.path().leafNode());
            // The framing was verified with the key this very commit brings, which proves nothing yet: before a
            // resync's Remove may count, the new leaf must carry a valid signature at its index and a credential
            // the application binds to that key. Otherwise anyone holding a GroupInfo could copy a member's public
            // credential and make that member believe it was removed.
            KeyPackageValidator.leaf(config, s, commit.path().leafNode(), LeafNode.SOURCE_COMMIT,
                    st.context().groupId(), committer, true);
        }
        // By index, not by key: a resync may put the same member (same keys) back at the same index.
        if (a.removed.contains(st.myLeaf()) || tree.leaf(st.myLeaf()) == null || removedMe(st, tree)) {
            throw new RemovedFromGroupException("this member was removed in epoch " + st.epoch(), st.epoch());
        }
        if (a.pathRequired && commit.path() == null) {
            throw new ProtocolViolationException("commit needs an UpdatePath");
        }
        byte[] ext = a.extensions;
        Map<Integer, byte[]> keys = new HashMap<>(st.nodeKeys());
        if (myUpdateKey != null) {
            keys.put(2 * st.myLeaf(), myUpdateKey); // our Update is in: its leaf key replaces the old one
        }
        // Public keys the group has not computed yet are kept here, so a discarded commit leaves its cache as it was.
        Map<byte[], byte[]> learned = new IdentityHashMap<>();
        Function<byte[], byte[]> publicKeyOf = k -> {
            byte[] known = group.knownPublicKey(k);
            return known != null ? known : learned.computeIfAbsent(k, s::hpkePublicKey);
        };
        Group.prune(s, tree, keys, publicKeyOf);
        byte[] commitSecret;
        if (commit.path() != null) {
            LeafNode pl = commit.path().leafNode();
            // Signature and source are checked by TreeKem.process, with the leaf index bound in.
            KeyPackageValidator.leaf(config, s, pl, LeafNode.SOURCE_COMMIT, null, committer, false);
            TreeValidation.checkLeafInGroup(pl, Extension.decodeBody(ext), "commit path leaf");
            final RatchetTree t = tree;
            TreeKem.Processed pr = TreeKem.process(s, t, committer, commit.path(), st.context().groupId(),
                    a.added, st.myLeaf(), keys, th -> st.context().withEpoch(st.epoch() + 1, th,
                            st.context().confirmedTranscriptHash(), ext));
            commitSecret = pr.commitSecret();
            keys.putAll(pr.privateKeys());
        } else {
            commitSecret = new byte[s.hashLength()];
        }
        Group.prune(s, tree, keys, publicKeyOf);
        // §7.3: the committer's new leaf and path keys must not repeat a key already in the tree; a tree that did
        // would be refused by every later joiner.
        if (!tree.hasDistinctSignatureKeys() || !tree.hasDistinctEncryptionKeys()) {
            throw new ProtocolViolationException("commit path brings a key already in the group");
        }
        TreeValidation.checkCredentialTypes(tree); // after the proposals and the committer's new leaf
        byte[] confirmed = TranscriptHash.confirmed(s, st.interimTranscriptHash(), ac.confirmedTranscriptHashInput());
        GroupContext ctx = st.context().withEpoch(st.epoch() + 1, tree.rootTreeHash(s), confirmed, ext);
        byte[] init = st.secrets().initSecret();
        if (external) {
            init = s.hpkeExportReceive(s.deriveHpkeKeyPair(st.secrets().externalSecret())[0],
                    a.externalInit.kemOutput(), Joiner.EXTERNAL_INIT_CONTEXT, s.hashLength());
        }
        EpochSecrets es = EpochSecrets.derive(s, init, commitSecret, group.history().pskSecret(config, st, a.psks),
                ctx.encode());
        if (!s.verifyMac(es.confirmationKey(), confirmed, ac.confirmationTag())) {
            throw new ProtocolViolationException("commit confirmation tag does not verify");
        }
        EpochState next = new EpochState(s, ctx, tree, st.myLeaf(), keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, confirmed, ac.confirmationTag()));
        return new StagedCommit(next, st.epoch(), privateMessage, group, learned, external);
    }

    private static boolean removedMe(EpochState st, RatchetTree tree) {
        return !MessageDigest.isEqual(tree.leaf(st.myLeaf()).signatureKey(),
                st.tree().leaf(st.myLeaf()).signatureKey());
    }
}
