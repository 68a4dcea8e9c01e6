package dev.carapace.mls.group;

import static dev.carapace.mls.group.TreeValidation.checkCredentialFits;
import static dev.carapace.mls.group.TreeValidation.checkExternalSenders;
import static dev.carapace.mls.group.TreeValidation.checkLeafMeets;
import static dev.carapace.mls.group.TreeValidation.checkRequiredCapabilities;
import static dev.carapace.mls.group.TreeValidation.keyInTree;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.ExternalSender;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.PreSharedKeyId;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.message.RequiredCapabilities;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.TranscriptHash;
import dev.carapace.mls.tree.RatchetTree;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The public half of one epoch of an MLS group (RFC 9420): the ratchet tree, the GroupContext and the interim
 * transcript hash, and no secret at all. Every member's {@link Group} holds one per epoch beside its own keys, and a
 * {@link StagedCommit} shows the one its commit leads to. A party that holds no group keys (the hub, an auditor) gets
 * one from a GroupInfo with {@link #fromGroupInfo}, which checks everything that can be checked without secrets.
 *
 * <p>Immutable: the tree is never changed after construction and only copies of it are handed out. The proposal
 * rules that need no secret live here too ({@link #checkProposal}, {@link #applyProposals}, the sender rules of
 * {@link #checkSenderContent}).
 */
public final class PublicGroup {
    private final CipherSuite suite;
    private final GroupContext context;
    private final RatchetTree tree;
    private final byte[] interimTranscriptHash;

    /** @param tree no longer changed by anyone once passed here */
    PublicGroup(CipherSuite suite, GroupContext context, RatchetTree tree, byte[] interimTranscriptHash) {
        this.suite = suite;
        this.context = context;
        this.tree = tree;
        this.interimTranscriptHash = interimTranscriptHash;
    }

    /**
     * The public state a GroupInfo describes (e.g. one uploaded with a commit), checked as a joiner checks it (RFC
     * 9420 §12.4.3.1): the tree (from the ratchet_tree extension, else {@code ratchetTree}) against the GroupContext's
     * tree hash, the GroupInfo's signature by its signer's leaf, then the whole tree: unmerged leaves, key
     * uniqueness, parent hashes, every leaf signature, every credential with {@code credentials}, capabilities and
     * external senders. What this cannot tell is whether the GroupInfo is the group's real epoch: anyone can build
     * and sign a consistent GroupInfo for a tree of their own, and the confirmation tag that binds it to the
     * group's key schedule needs the epoch's secrets. Bind it to the group by other means (e.g. the members of the
     * group known to the caller, or the uploader being a member).
     *
     * @param ratchetTree the tree when the GroupInfo has no ratchet_tree extension, else null
     * @throws DecodeException if the message is not a GroupInfo
     * @throws ProtocolViolationException if the tree is missing or does not validate
     * @throws InvalidSignatureException if the GroupInfo or a leaf signature does not verify
     */
    public static PublicGroup fromGroupInfo(CredentialValidator credentials, MlsMessage groupInfo,
            RatchetTree ratchetTree) {
        GroupInfo gi = groupInfo.groupInfo();
        if (gi == null) {
            throw new DecodeException("not a GroupInfo");
        }
        CipherSuite s = Group.suiteOf(gi.groupContext().cipherSuiteId());
        RatchetTree tree = receivedTree(credentials, s, gi, ratchetTree);
        GroupContext ctx = gi.groupContext();
        return new PublicGroup(s, ctx, tree, TranscriptHash.interim(s, ctx.confirmedTranscriptHash(),
                gi.confirmationTag()));
    }

    /**
     * The ratchet tree a GroupInfo describes (from its ratchet_tree extension, else {@code supplied}), checked: the
     * tree hash against the GroupContext, then the GroupInfo signature by the signer's leaf, then the whole tree
     * (RFC 9420 §12.4.3.1). Returns a copy the caller may change.
     */
    static RatchetTree receivedTree(CredentialValidator credentials, CipherSuite s, GroupInfo gi,
            RatchetTree supplied) {
        Extension treeExt = Extension.find(gi.extensions(), Extension.RATCHET_TREE);
        RatchetTree tree = treeExt != null ? RatchetTree.decode(treeExt.data()) : supplied;
        if (tree == null) {
            throw new ProtocolViolationException("no ratchet tree in the GroupInfo and none supplied");
        }
        tree = tree.copy();
        GroupContext ctx = gi.groupContext();
        if (!MessageDigest.isEqual(tree.rootTreeHash(s), ctx.treeHash())) {
            throw new ProtocolViolationException("ratchet tree does not match the GroupContext tree hash");
        }
        // One signature before the N leaf signatures: a forged GroupInfo costs the receiver little.
        LeafNode signer = gi.signer() < tree.leafCount() ? tree.leaf((int) gi.signer()) : null;
        if (signer == null || !gi.verify(s, signer.signatureKey())) {
            throw new InvalidSignatureException("GroupInfo signature");
        }
        TreeValidation.validateTree(credentials, s, tree, ctx);
        return tree;
    }

    // ---- accessors ------------------------------------------------------------------------------------------

    public long epoch() {
        return context.epoch();
    }

    public byte[] groupId() {
        return context.groupId().clone();
    }

    public CipherSuite suite() {
        return suite;
    }

    /** Leaf nodes of the members by leaf index (blank leaves omitted). */
    public Map<Integer, LeafNode> members() {
        Map<Integer, LeafNode> out = new LinkedHashMap<>();
        tree.occupiedLeaves().forEach(i -> out.put(i, tree.leaf(i)));
        return out;
    }

    /** The GroupContext extensions (where an application carries its group policy). */
    public List<Extension> contextExtensions() {
        return Extension.decodeBody(context.extensions());
    }

    /** A copy of the public ratchet tree. */
    public RatchetTree ratchetTree() {
        return tree.copy();
    }

    GroupContext context() {
        return context;
    }

    /** The tree itself: callers must not change it (copy first). */
    RatchetTree tree() {
        return tree;
    }

    byte[] interimTranscriptHash() {
        return interimTranscriptHash;
    }

    // ---- framing ----------------------------------------------------------------------------------------------

    /** The signature key of each sender this epoch knows, for verifying framed content. */
    Function<FramedContent, byte[]> signerKeys() {
        return fc -> switch (fc.sender().type()) {
            case Sender.MEMBER -> {
                LeafNode l = fc.sender().index() < tree.leafCount() ? tree.leaf((int) fc.sender().index()) : null;
                yield l == null ? null : l.signatureKey();
            }
            case Sender.NEW_MEMBER_COMMIT -> fc.commit() != null && fc.commit().path() != null
                    ? fc.commit().path().leafNode().signatureKey() : null;
            case Sender.NEW_MEMBER_PROPOSAL -> fc.proposal() instanceof Proposal.Add a
                    ? a.keyPackage().leafNode().signatureKey() : null;
            case Sender.EXTERNAL -> {
                List<ExternalSender> senders = ExternalSender.in(Extension.decodeBody(context.extensions()));
                yield fc.sender().index() < senders.size() ? senders.get((int) fc.sender().index()).signatureKey()
                        : null;
            }
            default -> null;
        };
    }

    /**
     * What each non-member sender type may send (RFC 9420 §6.1, §12.1.8), checked before the signature. Only
     * PublicMessages get here with such senders: a PrivateMessage's sender data can only name a member leaf.
     */
    void checkSenderContent(FramedContent fc) {
        Sender sender = fc.sender();
        switch (sender.type()) {
            case Sender.EXTERNAL -> {
                if (fc.contentType() != FramedContent.PROPOSAL) {
                    throw new ProtocolViolationException("an external sender can only send proposals");
                }
                if (!ExternalProposals.ALLOWED.contains(fc.proposal().type())) {
                    throw new ProtocolViolationException("proposal type " + fc.proposal().type()
                            + " may not come from an external sender");
                }
                if (sender.index() >= ExternalSender.in(Extension.decodeBody(context.extensions())).size()) {
                    throw new ProtocolViolationException("external sender " + sender.index()
                            + " is not in the group's external_senders");
                }
            }
            case Sender.NEW_MEMBER_PROPOSAL -> {
                if (fc.contentType() != FramedContent.PROPOSAL || !(fc.proposal() instanceof Proposal.Add)) {
                    throw new ProtocolViolationException("a new_member_proposal sender can only propose an Add");
                }
            }
            case Sender.NEW_MEMBER_COMMIT -> {
                if (fc.contentType() != FramedContent.COMMIT) {
                    throw new ProtocolViolationException("a new_member_commit sender can only send a commit");
                }
            }
            default -> {
            }
        }
    }

    // ---- proposals ------------------------------------------------------------------------------------------

    /** A proposal together with the leaf that sent it (-1 for non-members). */
    record SenderProposal(Proposal proposal, int senderLeaf) {
    }

    /**
     * Checks one proposal on its own (RFC 9420 §12.1) against this epoch, when sent and when received, so an
     * invalid proposal is refused at once instead of making every commit that would include it fail. Combination
     * rules (§12.2) are checked when a commit applies the list. A PreSharedKey proposal passes here: whether the PSK
     * is known is a question for the holder of the secrets ({@link EpochHistory#pskSecret}).
     */
    void checkProposal(GroupConfig config, Proposal p, Sender sender) {
        CipherSuite s = suite;
        RequiredCapabilities required = RequiredCapabilities.in(Extension.decodeBody(context.extensions()));
        if (p instanceof Proposal.Add add) {
            KeyPackageValidator.keyPackage(config, s, add.keyPackage(), true);
            checkLeafMeets(add.keyPackage().leafNode(), required, "added KeyPackage");
            checkCredentialFits(tree, add.keyPackage().leafNode(), -1, "added KeyPackage");
            // A key already in the tree is not refused here: a Remove of that leaf may come in the same commit.
            // ProposalStore.committable() leaves out an Add that would still collide.
        } else if (p instanceof Proposal.Update u) {
            if (sender.type() != Sender.MEMBER) {
                throw new ProtocolViolationException("Update proposal from a non-member");
            }
            KeyPackageValidator.leaf(config, s, u.leafNode(), LeafNode.SOURCE_UPDATE, context.groupId(), (int) sender.index(),
                    true);
            checkLeafMeets(u.leafNode(), required, "Update leaf");
            checkCredentialFits(tree, u.leafNode(), (int) sender.index(), "Update leaf");
            if (keyInTree(tree, u.leafNode(), Set.of((int) sender.index()))) {
                throw new ProtocolViolationException("Update leaf reuses another member's key");
            }
        } else if (p instanceof Proposal.Remove r) {
            if (r.removed() >= tree.leafCount() || tree.leaf((int) r.removed()) == null) {
                throw new ProtocolViolationException("invalid Remove of leaf " + r.removed());
            }
        } else if (p instanceof Proposal.GroupContextExtensions g) {
            checkRequiredCapabilities(tree, Extension.encodeBody(g.extensions()));
            checkExternalSenders(config.credentials(), g.extensions());
        } else if (p instanceof Proposal.ExternalInit) {
            throw new ProtocolViolationException("ExternalInit is only valid inline in an external commit");
        } else if (p instanceof Proposal.ReInit) {
            throw new ProtocolViolationException("ReInit is not supported");
        }
    }

    /** What a commit's proposals do to this epoch's tree and extensions, before any UpdatePath. */
    static final class Diff {
        RatchetTree tree;
        byte[] extensions;
        final Set<Integer> added = new HashSet<>();
        final Set<Integer> removed = new HashSet<>();
        final List<Integer> addedOrder = new ArrayList<>();
        final List<KeyPackage> addedKeyPackages = new ArrayList<>();
        final List<PreSharedKeyId> psks = new ArrayList<>();
        Proposal.ExternalInit externalInit;
        /** The leaf an external commit's Remove takes out (its sender's old appearance). */
        LeafNode resyncRemoved;
        boolean pathRequired;
    }

    /**
     * Validates and applies proposals in RFC 9420 §12.3 order (GCE, Update, Remove, Add, PSK, ExternalInit) to a
     * copy of this epoch's tree.
     */
    Diff applyProposals(GroupConfig config, List<SenderProposal> props, int committer, boolean external) {
        CipherSuite s = suite;
        Diff a = new Diff();
        a.tree = tree.copy();
        a.extensions = context.extensions();
        a.pathRequired = props.isEmpty();
        byte[] groupId = context.groupId();
        if (external) {
            // RFC 9420 §12.2: exactly one ExternalInit, at most one Remove, any PreSharedKeys, nothing else.
            long removes = 0;
            for (SenderProposal sp : props) {
                Proposal p = sp.proposal();
                if (p instanceof Proposal.Remove r) {
                    removes++;
                    a.resyncRemoved = r.removed() < tree.leafCount() ? tree.leaf((int) r.removed()) : null;
                } else if (!(p instanceof Proposal.ExternalInit || p instanceof Proposal.PreSharedKey)) {
                    throw new ProtocolViolationException("proposal type " + p.type() + " in an external commit");
                }
            }
            if (removes > 1) {
                throw new ProtocolViolationException("more than one Remove in an external commit");
            }
        }
        for (SenderProposal sp : props) {
            if (sp.proposal() instanceof Proposal.GroupContextExtensions g) {
                if (a.pathRequired && a.extensions != context.extensions()) {
                    throw new ProtocolViolationException("more than one GroupContextExtensions proposal");
                }
                a.extensions = Extension.encodeBody(g.extensions());
                checkExternalSenders(config.credentials(), g.extensions());
                a.pathRequired = true;
            }
        }
        // Adds and Updates in this commit are checked against the extensions the commit leads to (§12.1.7).
        RequiredCapabilities required = RequiredCapabilities.in(Extension.decodeBody(a.extensions));
        // KeyPackage and leaf signatures of all Adds up front (in parallel when many); the rest stays in order.
        List<KeyPackage> adds = props.stream().map(SenderProposal::proposal).filter(p -> p instanceof Proposal.Add)
                .map(p -> ((Proposal.Add) p).keyPackage()).toList();
        TreeValidation.verifyAll(adds.size(), k -> adds.get(k).cipherSuite() != s.id()
                || adds.get(k).verifySignature(s) && adds.get(k).leafNode().verifySignature(s, null, 0),
                k -> "KeyPackage signature (Add " + k + ")");
        Set<Integer> touched = new HashSet<>();
        for (SenderProposal sp : props) {
            if (sp.proposal() instanceof Proposal.Update u) {
                int leaf = sp.senderLeaf();
                if (leaf < 0 || leaf == committer || !touched.add(leaf) || a.tree.leaf(leaf) == null) {
                    throw new ProtocolViolationException("invalid Update proposal sender");
                }
                KeyPackageValidator.leaf(config, s, u.leafNode(), LeafNode.SOURCE_UPDATE, groupId, leaf, true);
                checkLeafMeets(u.leafNode(), required, "Update leaf");
                a.tree.updateLeaf(leaf, u.leafNode());
                a.pathRequired = true;
            }
        }
        for (SenderProposal sp : props) {
            if (sp.proposal() instanceof Proposal.Remove r) {
                int leaf = (int) r.removed();
                if (r.removed() >= a.tree.leafCount() || a.tree.leaf(leaf) == null || !touched.add(leaf)) {
                    throw new ProtocolViolationException("invalid Remove of leaf " + r.removed());
                }
                if (leaf == committer) {
                    throw new ProtocolViolationException("a commit cannot remove its committer");
                }
                a.tree.removeLeaf(leaf);
                a.removed.add(leaf);
                a.pathRequired = true;
            }
        }
        Set<ByteBuffer> pskIds = new HashSet<>();
        for (SenderProposal sp : props) {
            if (sp.proposal() instanceof Proposal.Add add) {
                KeyPackage kp = add.keyPackage();
                KeyPackageValidator.keyPackage(config, s, kp, false);
                checkLeafMeets(kp.leafNode(), required, "added KeyPackage");
                int leaf = a.tree.addLeaf(kp.leafNode());
                a.added.add(leaf);
                a.addedOrder.add(leaf);
                a.addedKeyPackages.add(kp);
            } else if (sp.proposal() instanceof Proposal.PreSharedKey p) {
                // §12.2: one PreSharedKey proposal per PreSharedKeyID.
                if (!pskIds.add(encoded(p.psk()))) {
                    throw new ProtocolViolationException("two PreSharedKey proposals for the same PSK");
                }
                a.psks.add(p.psk());
            } else if (sp.proposal() instanceof Proposal.ExternalInit e) {
                if (!external) {
                    throw new ProtocolViolationException("ExternalInit outside an external commit");
                }
                if (a.externalInit != null) {
                    throw new ProtocolViolationException("more than one ExternalInit");
                }
                a.externalInit = e;
                a.pathRequired = true;
            } else if (sp.proposal() instanceof Proposal.ReInit) {
                throw new ProtocolViolationException("ReInit is not supported");
            }
        }
        if (external && a.externalInit == null) {
            throw new ProtocolViolationException("external commit without ExternalInit");
        }
        if (a.extensions != context.extensions()) {
            // A GroupContextExtensions proposal: every member left after this commit must support the new set.
            checkRequiredCapabilities(a.tree, a.extensions);
        }
        // §7.3: an Add or Update may not bring a key a member already has (this also refuses two Adds of one
        // client, §12.2). The path's new keys are checked after the path is applied (StagedCommit).
        if (!a.tree.hasDistinctSignatureKeys()) {
            throw new ProtocolViolationException("a leaf's signature key is already in use in the group");
        }
        if (!a.tree.hasDistinctEncryptionKeys()) {
            throw new ProtocolViolationException("a leaf's encryption key is already in use in the group");
        }
        return a;
    }

    /** A PreSharedKeyID's encoding, as a map or set key. */
    static ByteBuffer encoded(PreSharedKeyId id) {
        TlsWriter w = new TlsWriter();
        id.encode(w);
        return ByteBuffer.wrap(w.toByteArray());
    }
}
