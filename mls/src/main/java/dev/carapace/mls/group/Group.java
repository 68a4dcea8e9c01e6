package dev.carapace.mls.group;

import dev.carapace.mls.MlsException;
import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.RemovedFromGroupException;
import dev.carapace.mls.WrongEpochException;
import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MessageProtection;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.PrivateMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.ExternalSender;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.GroupSecrets;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.PreSharedKeyId;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.message.RequiredCapabilities;
import dev.carapace.mls.message.Welcome;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.PskSecret;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.schedule.TranscriptHash;
import dev.carapace.mls.tree.RatchetTree;
import dev.carapace.mls.tree.TreeKem;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One member's view of an MLS group (RFC 9420). Single-writer: all methods must be called from one thread at a
 * time (wrap with a lock or an actor if shared). Each epoch is an {@link EpochState} snapshot; a commit builds a
 * new snapshot and swaps it in only once fully verified, so a rejected message never leaves a half-applied state.
 */
public final class Group {
    private static final HexFormat HEX = HexFormat.of();
    private static final int MAX_RESUMPTION_PSKS = 64;

    private final GroupConfig config;
    private final byte[] signaturePrivateKey;
    /** The same key prepared once for this group's suite (signing then skips re-deriving the public key). */
    private final CipherSuite.SigningKey signingKey;
    private EpochState current;
    private boolean removed;
    private final ArrayDeque<EpochState> past = new ArrayDeque<>();
    private final LinkedHashMap<Long, byte[]> resumptionPsks = new LinkedHashMap<>();
    private final Map<String, StoredProposal> proposals = new LinkedHashMap<>();
    /**
     * HPKE private keys of the new leaves in this member's own Update proposals of the current epoch, by proposal
     * reference (hex). One is installed when another member's commit includes that Update; all are dropped at the
     * epoch change.
     */
    private final Map<String, byte[]> ownUpdateKeys = new HashMap<>();

    record StoredProposal(Proposal proposal, Sender sender, byte[] ref) {
    }

    /** A proposal together with the leaf that sent it (-1 for non-members). */
    private record SenderProposal(Proposal proposal, int senderLeaf) {
    }

    private Group(GroupConfig config, byte[] signaturePrivateKey, EpochState state) {
        this.config = config;
        this.signaturePrivateKey = signaturePrivateKey.clone();
        this.signingKey = state.suite().signingKey(signaturePrivateKey);
        this.current = state;
        resumptionPsks.put(state.epoch(), state.secrets().resumptionPsk());
    }

    // ---- creation and joining -------------------------------------------------------------------------------

    /** Creates a one-member group at epoch 0 with the bundle's leaf. */
    public static Group create(GroupConfig config, byte[] groupId, KeyPackageBundle me) {
        CipherSuite s = suiteOf(me.keyPackage().cipherSuite());
        LeafNode leaf = me.keyPackage().leafNode();
        config.credentials().validate(leaf.credential(), leaf.signatureKey());
        RatchetTree tree = RatchetTree.single(leaf);
        GroupContext ctx = new GroupContext(s, groupId, 0, tree.rootTreeHash(s), new byte[0], new byte[0]);
        EpochSecrets es = EpochSecrets.derive(s, CipherSuite.randomBytes(s.hashLength()), new byte[s.hashLength()],
                null, ctx.encode());
        byte[] tag = s.mac(es.confirmationKey(), ctx.confirmedTranscriptHash());
        EpochState st = new EpochState(s, ctx, tree, 0, Map.of(0, me.encryptionPrivateKey()), es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, ctx.confirmedTranscriptHash(), tag));
        return new Group(config, me.signaturePrivateKey(), st);
    }

    /**
     * Joins from a Welcome (RFC 9420 §12.4.3.1).
     *
     * @param ratchetTree the tree when it is not carried in the GroupInfo's ratchet_tree extension, else null
     */
    public static Group join(GroupConfig config, MlsMessage welcomeMessage, KeyPackageBundle me,
            RatchetTree ratchetTree) {
        Welcome w = welcomeMessage.welcome();
        if (w == null) {
            throw new DecodeException("not a Welcome");
        }
        CipherSuite s = suiteOf(w.cipherSuite());
        KeyPackage kp = me.keyPackage();
        if (kp.cipherSuite() != w.cipherSuite()) {
            throw new ProtocolViolationException("Welcome cipher suite differs from the KeyPackage's");
        }
        byte[] ref = kp.ref(s);
        Welcome.Secrets mine = w.secrets().stream().filter(x -> MessageDigest.isEqual(x.newMember(), ref))
                .findFirst().orElseThrow(() -> new ProtocolViolationException("Welcome is not for this KeyPackage"));
        GroupSecrets gs = decodeAll(s.decryptWithLabel(me.initPrivateKey(), "Welcome", w.encryptedGroupInfo(),
                mine.encryptedGroupSecrets()), GroupSecrets::decode);
        List<byte[]> pskValues = new ArrayList<>();
        for (PreSharedKeyId id : gs.psks()) {
            byte[] v = id.pskType() == PreSharedKeyId.EXTERNAL ? config.externalPsk(id.pskId()) : null;
            if (v == null) {
                throw new ProtocolViolationException("Welcome needs a PSK this member does not have");
            }
            pskValues.add(v);
        }
        byte[] psk = PskSecret.compute(s, gs.psks(), pskValues);
        byte[] member = s.kdfExtract(gs.joinerSecret(), psk != null ? psk : new byte[s.hashLength()]);
        byte[] welcomeSecret = s.deriveSecret(member, "welcome");
        GroupInfo gi = decodeAll(s.aeadOpen(
                s.expandWithLabel(welcomeSecret, "key", new byte[0], s.aeadKeyLength()),
                s.expandWithLabel(welcomeSecret, "nonce", new byte[0], s.aeadNonceLength()),
                new byte[0], w.encryptedGroupInfo()), GroupInfo::decode);
        GroupContext ctx = gi.groupContext();
        if (ctx.cipherSuiteId() != s.id()) {
            throw new ProtocolViolationException("GroupInfo cipher suite differs from the Welcome's");
        }
        RatchetTree tree = receivedTree(config, s, gi, ratchetTree);
        int myLeaf = tree.findLeaf(kp.leafNode());
        if (myLeaf < 0) {
            throw new ProtocolViolationException("own leaf not found in the ratchet tree");
        }
        EpochSecrets es = EpochSecrets.fromJoinerSecret(s, gs.joinerSecret(), psk, ctx.encode());
        if (!s.verifyMac(es.confirmationKey(), ctx.confirmedTranscriptHash(), gi.confirmationTag())) {
            throw new ProtocolViolationException("GroupInfo confirmation tag does not verify");
        }
        Map<Integer, byte[]> keys = new HashMap<>();
        keys.put(2 * myLeaf, me.encryptionPrivateKey());
        if (gs.pathSecret() != null) {
            int lca = tree.commonAncestor(myLeaf, (int) gi.signer());
            keys.putAll(TreeKem.keysFromPathSecret(s, tree, lca, gs.pathSecret(), (int) gi.signer()));
        }
        int derived = keys.size(); // every key from the Welcome must match the tree (count before pruning)
        if (prune(s, tree, keys) != derived) {
            throw new ProtocolViolationException("Welcome path secret does not match the tree");
        }
        EpochState st = new EpochState(s, ctx, tree, myLeaf, keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, ctx.confirmedTranscriptHash(), gi.confirmationTag()));
        return new Group(config, me.signaturePrivateKey(), st);
    }

    /**
     * The ratchet tree a GroupInfo describes (from its ratchet_tree extension, else {@code supplied}), checked: the
     * tree hash against the GroupContext, then the GroupInfo signature by the signer's leaf, then the whole tree
     * (RFC 9420 §12.4.3.1). Returns a copy the caller may change.
     */
    private static RatchetTree receivedTree(GroupConfig config, CipherSuite s, GroupInfo gi, RatchetTree supplied) {
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
            throw new dev.carapace.mls.InvalidSignatureException("GroupInfo signature");
        }
        validateTree(config, s, tree, ctx);
        return tree;
    }

    /**
     * Joins by an external commit (RFC 9420 §12.4.3.2) from a GroupInfo carrying the external_pub extension, e.g.
     * one published with {@link #groupInfo(boolean)}. The GroupInfo signature and the tree are checked as for a
     * Welcome. The joiner takes the leftmost free leaf with the credential, capabilities, extensions and signature
     * key of {@code me}'s KeyPackage leaf (its HPKE keys are not used: the UpdatePath brings fresh ones).
     *
     * @param ratchetTree the tree when the GroupInfo has no ratchet_tree extension, else null
     * @throws ProtocolViolationException if the GroupInfo has no external_pub, the tree is missing or invalid, or
     *         the joiner's leaf does not fit the group
     * @throws dev.carapace.mls.InvalidSignatureException if the GroupInfo or a leaf signature does not verify
     */
    public static ExternalJoin joinExternal(GroupConfig config, MlsMessage groupInfo, RatchetTree ratchetTree,
            KeyPackageBundle me) {
        return joinExternal(config, groupInfo, ratchetTree, me, -1);
    }

    /**
     * As {@link #joinExternal(GroupConfig, MlsMessage, RatchetTree, KeyPackageBundle)}, but also removes the
     * joiner's previous appearance at {@code resyncLeaf} in the same commit (a "resync", e.g. after losing state).
     * The old leaf's credential must equal the new one's; members apply the same rule.
     */
    public static ExternalJoin joinExternal(GroupConfig config, MlsMessage groupInfo, RatchetTree ratchetTree,
            KeyPackageBundle me, int resyncLeaf) {
        GroupInfo gi = groupInfo.groupInfo();
        if (gi == null) {
            throw new DecodeException("not a GroupInfo");
        }
        GroupContext ctx = gi.groupContext();
        CipherSuite s = suiteOf(ctx.cipherSuiteId());
        if (me.keyPackage().cipherSuite() != s.id()) {
            throw new ProtocolViolationException("GroupInfo cipher suite differs from the KeyPackage's");
        }
        Extension pubExt = Extension.find(gi.extensions(), Extension.EXTERNAL_PUB);
        if (pubExt == null) {
            throw new ProtocolViolationException("GroupInfo has no external_pub extension");
        }
        byte[] externalPub = decodeAll(pubExt.data(), TlsReader::readVarBytes);
        RatchetTree tree = receivedTree(config, s, gi, ratchetTree);
        LeafNode template = me.keyPackage().leafNode();
        KeyPackageValidator.leaf(config, s, template, LeafNode.SOURCE_KEY_PACKAGE, null, 0, false);
        List<Commit.ProposalOrRef> proposals = new ArrayList<>();
        if (resyncLeaf >= 0) {
            LeafNode old = resyncLeaf < tree.leafCount() ? tree.leaf(resyncLeaf) : null;
            if (old == null) {
                throw new ProtocolViolationException("invalid Remove of leaf " + resyncLeaf);
            }
            checkResync(old, template);
            tree.removeLeaf(resyncLeaf);
        }
        byte[][] kemOutputAndInit = s.hpkeExportSend(externalPub, EXTERNAL_INIT_CONTEXT, s.hashLength());
        proposals.add(new Commit.ProposalOrRef(new Proposal.ExternalInit(kemOutputAndInit[0]), null));
        if (resyncLeaf >= 0) {
            proposals.add(new Commit.ProposalOrRef(new Proposal.Remove(resyncLeaf), null));
        }
        int myLeaf = tree.addLeaf(template);
        if (!tree.hasDistinctSignatureKeys()) {
            throw new ProtocolViolationException("this signature key is already in the group (resync its old leaf)");
        }
        checkRequiredCapabilities(tree, ctx.extensions());
        checkCredentialTypes(tree);
        TreeKem.Created created = TreeKem.create(s, tree, myLeaf, me.signaturePrivateKey(), ctx.groupId(),
                Set.of(), th -> ctx.withEpoch(ctx.epoch() + 1, th, ctx.confirmedTranscriptHash(),
                        ctx.extensions()));
        FramedContent fc = FramedContent.commit(ctx.groupId(), ctx.epoch(), new Sender(Sender.NEW_MEMBER_COMMIT, 0),
                new byte[0], new Commit(List.copyOf(proposals), created.path()));
        CipherSuite.SigningKey key = s.signingKey(me.signaturePrivateKey());
        byte[] sig = AuthenticatedContent.sign(s, key, MlsMessage.PUBLIC_MESSAGE, fc, ctx);
        byte[] interim = TranscriptHash.interim(s, ctx.confirmedTranscriptHash(), gi.confirmationTag());
        byte[] confirmed = TranscriptHash.confirmed(s, interim,
                new AuthenticatedContent(MlsMessage.PUBLIC_MESSAGE, fc, sig, null).confirmedTranscriptHashInput());
        GroupContext next = ctx.withEpoch(ctx.epoch() + 1, tree.rootTreeHash(s), confirmed, ctx.extensions());
        EpochSecrets es = EpochSecrets.derive(s, kemOutputAndInit[1], created.commitSecret(), null, next.encode());
        byte[] tag = s.mac(es.confirmationKey(), confirmed);
        MlsMessage commit = MlsMessage.of(MessageProtection.protectPublic(ctx, null,
                new AuthenticatedContent(MlsMessage.PUBLIC_MESSAGE, fc, sig, tag)));
        Map<Integer, byte[]> keys = new HashMap<>(created.privateKeys());
        prune(s, tree, keys);
        EpochState st = new EpochState(s, next, tree, myLeaf, keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, confirmed, tag));
        return new ExternalJoin(new Group(config, me.signaturePrivateKey(), st), commit);
    }

    private static final byte[] EXTERNAL_INIT_CONTEXT = "MLS 1.0 external init secret"
            .getBytes(StandardCharsets.US_ASCII);

    /**
     * A resync (external commit with a Remove) must come from the removed member (RFC 9420 §12.2): this engine
     * requires the very same credential, since the credential validator only judges one credential at a time.
     */
    private static void checkResync(LeafNode removed, LeafNode joiner) {
        if (!java.util.Arrays.equals(removed.credential().encode(), joiner.credential().encode())) {
            throw new ProtocolViolationException("external commit removes a leaf with another credential");
        }
    }

    /**
     * Unmerged leaves, key uniqueness, parent hashes, leaf signatures and credentials of a tree received from others
     * whose tree hash {@link #receivedTree} has already checked.
     */
    private static void validateTree(GroupConfig config, CipherSuite s, RatchetTree tree, GroupContext ctx) {
        if (!tree.verifyUnmergedLeaves()) {
            throw new ProtocolViolationException("ratchet tree unmerged_leaves are inconsistent");
        }
        if (!tree.hasDistinctEncryptionKeys()) {
            throw new ProtocolViolationException("ratchet tree has an encryption key in two nodes");
        }
        if (!tree.hasDistinctSignatureKeys()) {
            throw new ProtocolViolationException("ratchet tree has a signature key in two leaves");
        }
        if (!tree.verifyParentHashes(s)) {
            throw new ProtocolViolationException("ratchet tree parent hashes do not verify");
        }
        List<Integer> leaves = tree.occupiedLeaves();
        verifyAll(leaves.size(), k -> tree.leaf(leaves.get(k)).verifySignature(s, ctx.groupId(), leaves.get(k)),
                k -> "leaf " + leaves.get(k) + " signature");
        for (int i : leaves) {
            LeafNode l = tree.leaf(i);
            config.credentials().validate(l.credential(), l.signatureKey());
        }
        checkRequiredCapabilities(tree, ctx.extensions());
        checkCredentialTypes(tree);
        checkExternalSenders(config, Extension.decodeBody(ctx.extensions()));
    }

    /** {@link #checkCredentialTypes} for one new leaf (replacing the one at {@code replacing}, or -1) up front. */
    private static void checkCredentialFits(RatchetTree tree, LeafNode leaf, int replacing, String who) {
        int type = leaf.credential().type();
        for (int i : tree.occupiedLeaves()) {
            if (i == replacing) {
                continue;
            }
            LeafNode l = tree.leaf(i);
            if (!l.capabilities().supportsCredential(type)) {
                throw new ProtocolViolationException("leaf " + i + " does not support credential type " + type
                        + " of the " + who);
            }
            if (!leaf.capabilities().supportsCredential(l.credential().type())) {
                throw new ProtocolViolationException(who + " does not support credential type "
                        + l.credential().type() + " in use in the group");
            }
        }
    }

    /**
     * RFC 9420 §7.3: every member's capabilities list the credential type of every member (so a new leaf must
     * support all types in use, and its own type must be supported by everyone). O(members x types in use).
     */
    static void checkCredentialTypes(RatchetTree tree) {
        List<Integer> leaves = tree.occupiedLeaves();
        Set<Integer> inUse = new java.util.TreeSet<>();
        for (int i : leaves) {
            inUse.add(tree.leaf(i).credential().type());
        }
        for (int i : leaves) {
            for (int type : inUse) {
                if (!tree.leaf(i).capabilities().supportsCredential(type)) {
                    throw new ProtocolViolationException("leaf " + i + " does not support credential type " + type
                            + " in use in the group");
                }
            }
        }
    }

    /** Below this many signatures, checking them on one thread is cheaper than forking. */
    private static final int PARALLEL_SIGNATURES = 32;

    /**
     * Checks {@code count} independent signatures, across the common fork-join pool when there are many (joining a
     * group of N verifies N leaf signatures; adding N members verifies 2N). Throws for the lowest failing index,
     * so the error does not depend on scheduling. Signature checks are pure; callbacks into the application
     * (credential validation) stay on the caller's thread.
     */
    static void verifyAll(int count, java.util.function.IntPredicate ok, java.util.function.IntFunction<String> what) {
        java.util.stream.IntStream idx = java.util.stream.IntStream.range(0, count);
        if (count >= PARALLEL_SIGNATURES) {
            idx = idx.parallel();
        }
        java.util.OptionalInt bad = idx.filter(k -> !ok.test(k)).min();
        if (bad.isPresent()) {
            throw new dev.carapace.mls.InvalidSignatureException(what.apply(bad.getAsInt()));
        }
    }

    /**
     * RFC 9420 §11.1/§12.1.7: every member's leaf must list the types in the group's required_capabilities, and
     * every (non-default) GroupContext extension type in use.
     */
    static void checkRequiredCapabilities(RatchetTree tree, byte[] contextExtensions) {
        List<Extension> exts = Extension.decodeBody(contextExtensions);
        RequiredCapabilities rc = RequiredCapabilities.in(exts);
        for (int i : tree.occupiedLeaves()) {
            checkLeafInGroup(tree.leaf(i), exts, rc, "leaf " + i);
        }
    }

    /** One leaf against the group's extensions: lists every type in use and meets required_capabilities. */
    private static void checkLeafInGroup(LeafNode l, List<Extension> groupExtensions, String who) {
        checkLeafInGroup(l, groupExtensions, RequiredCapabilities.in(groupExtensions), who);
    }

    private static void checkLeafInGroup(LeafNode l, List<Extension> groupExtensions, RequiredCapabilities rc,
            String who) {
        for (Extension e : groupExtensions) {
            if (!l.capabilities().supportsExtension(e.type())) {
                throw new ProtocolViolationException(who + " does not support group extension " + e.type());
            }
        }
        checkLeafMeets(l, rc, who);
    }

    private static void checkLeafMeets(LeafNode leaf, RequiredCapabilities rc, String who) {
        String unmet = rc == null ? null : rc.unmetBy(leaf.capabilities());
        if (unmet != null) {
            throw new ProtocolViolationException(who + " lacks required capability: " + unmet);
        }
    }

    // ---- accessors ------------------------------------------------------------------------------------------

    public long epoch() {
        return current.epoch();
    }

    public byte[] groupId() {
        return current.context().groupId().clone();
    }

    public int myLeafIndex() {
        return current.myLeaf();
    }

    public CipherSuite suite() {
        return current.suite();
    }

    public byte[] epochAuthenticator() {
        return current.secrets().epochAuthenticator().clone();
    }

    /** MLS-Exporter for the current epoch. */
    public byte[] export(String label, byte[] context, int length) {
        return current.secrets().export(label, context, length);
    }

    /** Leaf nodes of the current members by leaf index (blank leaves omitted). */
    public Map<Integer, LeafNode> members() {
        Map<Integer, LeafNode> out = new LinkedHashMap<>();
        current.tree().occupiedLeaves().forEach(i -> out.put(i, current.tree().leaf(i)));
        return out;
    }

    /** The current epoch's GroupContext extensions (where an application carries its group policy). */
    public List<Extension> contextExtensions() {
        return Extension.decodeBody(current.context().extensions());
    }

    /** A copy of the current public ratchet tree (for sending out of band with a Welcome). */
    public RatchetTree ratchetTree() {
        return current.tree().copy();
    }

    /**
     * A GroupInfo for the current epoch signed by this member (RFC 9420 §12.4.3), with the external_pub extension
     * so that a new member can join with {@link #joinExternal}, and the ratchet_tree extension if asked (else the
     * joiner needs {@link #ratchetTree()} out of band). Valid until the epoch changes; it reveals the group's
     * membership and context to whoever receives it.
     */
    public MlsMessage groupInfo(boolean includeRatchetTree) {
        checkUsable();
        EpochState st = current;
        CipherSuite s = st.suite();
        List<Extension> ext = new ArrayList<>();
        if (includeRatchetTree) {
            ext.add(new Extension(Extension.RATCHET_TREE, st.tree().encode()));
        }
        ext.add(new Extension(Extension.EXTERNAL_PUB,
                new TlsWriter().writeVarBytes(st.secrets().externalPublicKey()).toByteArray()));
        // The epoch's confirmation tag is MAC(confirmation_key, confirmed_transcript_hash): recomputed, not stored.
        byte[] tag = s.mac(st.secrets().confirmationKey(), st.context().confirmedTranscriptHash());
        return MlsMessage.of(new GroupInfo(st.context(), List.copyOf(ext), tag, st.myLeaf(), new byte[0])
                .sign(s, signaturePrivateKey));
    }

    EpochState state() {
        return current;
    }

    GroupConfig config() {
        return config;
    }

    // ---- application messages -------------------------------------------------------------------------------

    /** Encrypts application data as a PrivateMessage in the current epoch. */
    public MlsMessage encrypt(byte[] data, byte[] authenticatedData) {
        checkUsable();
        EpochState st = current;
        FramedContent fc = FramedContent.application(st.context().groupId(), st.epoch(), Sender.member(st.myLeaf()),
                authenticatedData, data);
        return MlsMessage.of(MessageProtection.protectPrivate(st.context(), st.secretTree(),
                st.secrets().senderDataSecret(), signingKey, fc, null, 0));
    }

    // ---- incoming -------------------------------------------------------------------------------------------

    /** Verifies and applies one incoming PublicMessage or PrivateMessage. */
    public Received process(MlsMessage m) {
        checkUsable();
        AuthenticatedContent ac;
        EpochState st;
        if (m.wireFormat() == MlsMessage.PUBLIC_MESSAGE) {
            st = current;
            checkSenderContent(st, m.publicMessage().content());
            ac = MessageProtection.unprotectPublic(st.context(), st.secrets().membershipKey(), signerKeys(st),
                    m.publicMessage());
        } else if (m.wireFormat() == MlsMessage.PRIVATE_MESSAGE) {
            PrivateMessage pm = m.privateMessage();
            st = stateFor(pm.epoch(), pm.contentType() == FramedContent.APPLICATION);
            ac = MessageProtection.unprotectPrivate(st.context(), st.secretTree(), st.secrets().senderDataSecret(),
                    signerKeys(st), pm);
        } else {
            throw new DecodeException("wire format " + m.wireFormat() + " is not a group message");
        }
        FramedContent fc = ac.content();
        return switch (fc.contentType()) {
            case FramedContent.APPLICATION -> new Received.Application(st.epoch(), (int) fc.sender().index(),
                    fc.authenticatedData(), fc.applicationData());
            case FramedContent.PROPOSAL -> storeProposal(ac);
            default -> {
                applyCommit(ac);
                yield new Received.NewEpoch(current.epoch());
            }
        };
    }

    private EpochState stateFor(long epoch, boolean application) {
        if (epoch == current.epoch()) {
            return current;
        }
        if (application) {
            for (EpochState p : past) {
                if (p.epoch() == epoch) {
                    return p;
                }
            }
        }
        throw new WrongEpochException("message for epoch " + epoch + ", group is at " + current.epoch());
    }

    private static Function<FramedContent, byte[]> signerKeys(EpochState st) {
        return fc -> switch (fc.sender().type()) {
            case Sender.MEMBER -> {
                LeafNode l = fc.sender().index() < st.tree().leafCount() ? st.tree().leaf((int) fc.sender().index())
                        : null;
                yield l == null ? null : l.signatureKey();
            }
            case Sender.NEW_MEMBER_COMMIT -> fc.commit() != null && fc.commit().path() != null
                    ? fc.commit().path().leafNode().signatureKey() : null;
            case Sender.NEW_MEMBER_PROPOSAL -> fc.proposal() instanceof Proposal.Add a
                    ? a.keyPackage().leafNode().signatureKey() : null;
            case Sender.EXTERNAL -> {
                List<ExternalSender> senders = ExternalSender.in(Extension.decodeBody(st.context().extensions()));
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
    private static void checkSenderContent(EpochState st, FramedContent fc) {
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
                if (sender.index() >= ExternalSender.in(Extension.decodeBody(st.context().extensions())).size()) {
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

    /** RFC 9420 §5.3.1: the credentials of external senders are validated when the extension appears or changes. */
    private static void checkExternalSenders(GroupConfig config, List<Extension> groupExtensions) {
        for (ExternalSender es : ExternalSender.in(groupExtensions)) {
            config.credentials().validate(es.credential(), es.signatureKey());
        }
    }

    private Received storeProposal(AuthenticatedContent ac) {
        Proposal p = ac.content().proposal();
        Sender sender = ac.content().sender();
        byte[] ref = ac.proposalRef(current.suite());
        String key = HEX.formatHex(ref);
        if (!proposals.containsKey(key)) { // a repeat (or our own, echoed back) was checked when first cached
            if (sender.type() == Sender.MEMBER && sender.index() == current.myLeaf()) {
                throw new ProtocolViolationException("a proposal from this member that it did not send");
            }
            checkProposal(current, p, sender);
            proposals.put(key, new StoredProposal(p, sender, ref));
        }
        return new Received.ProposalStored(p, sender, ref);
    }

    private void applyCommit(AuthenticatedContent ac) {
        EpochState st = current;
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
        List<SenderProposal> props = new ArrayList<>();
        byte[] myUpdateKey = null;
        for (Commit.ProposalOrRef por : commit.proposals()) {
            if (por.proposal() != null) {
                props.add(new SenderProposal(por.proposal(), committer));
            } else {
                if (external) {
                    throw new ProtocolViolationException("external commit with a proposal by reference");
                }
                String ref = HEX.formatHex(por.reference());
                StoredProposal sp = proposals.get(ref);
                if (sp == null) {
                    throw new ProtocolViolationException("commit references an unknown proposal");
                }
                props.add(new SenderProposal(sp.proposal(), senderLeaf(sp.sender())));
                if (ownUpdateKeys.containsKey(ref)) {
                    myUpdateKey = ownUpdateKeys.get(ref);
                }
            }
        }
        Applied a = applyProposals(st, props, committer, external);
        RatchetTree tree = a.tree;
        if (external) {
            if (commit.path() == null) {
                throw new ProtocolViolationException("external commit without a path");
            }
            if (a.resyncRemoved != null) {
                checkResync(a.resyncRemoved, commit.path().leafNode());
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
            removed = true;
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
        prune(s, tree, keys, this::publicKeyOf);
        byte[] commitSecret;
        if (commit.path() != null) {
            LeafNode pl = commit.path().leafNode();
            // Signature and source are checked by TreeKem.process, with the leaf index bound in.
            KeyPackageValidator.leaf(config, s, pl, LeafNode.SOURCE_COMMIT, null, committer, false);
            checkLeafInGroup(pl, Extension.decodeBody(ext), "commit path leaf");
            final RatchetTree t = tree;
            TreeKem.Processed pr = TreeKem.process(s, t, committer, commit.path(), st.context().groupId(),
                    a.added, st.myLeaf(), keys, th -> st.context().withEpoch(st.epoch() + 1, th,
                            st.context().confirmedTranscriptHash(), ext));
            commitSecret = pr.commitSecret();
            keys.putAll(pr.privateKeys());
        } else {
            commitSecret = new byte[s.hashLength()];
        }
        prune(s, tree, keys, this::publicKeyOf);
        // §7.3: the committer's new leaf and path keys must not repeat a key already in the tree; a tree that did
        // would be refused by every later joiner.
        if (!tree.hasDistinctSignatureKeys() || !tree.hasDistinctEncryptionKeys()) {
            throw new ProtocolViolationException("commit path brings a key already in the group");
        }
        checkCredentialTypes(tree); // after the proposals and the committer's new leaf
        byte[] confirmed = TranscriptHash.confirmed(s, st.interimTranscriptHash(), ac.confirmedTranscriptHashInput());
        GroupContext ctx = st.context().withEpoch(st.epoch() + 1, tree.rootTreeHash(s), confirmed, ext);
        byte[] init = st.secrets().initSecret();
        if (external) {
            init = s.hpkeExportReceive(s.deriveHpkeKeyPair(st.secrets().externalSecret())[0],
                    a.externalInit.kemOutput(), EXTERNAL_INIT_CONTEXT, s.hashLength());
        }
        EpochSecrets es = EpochSecrets.derive(s, init, commitSecret, pskSecret(st, a.psks), ctx.encode());
        if (!s.verifyMac(es.confirmationKey(), confirmed, ac.confirmationTag())) {
            throw new ProtocolViolationException("commit confirmation tag does not verify");
        }
        advance(new EpochState(s, ctx, tree, st.myLeaf(), keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, confirmed, ac.confirmationTag())));
    }

    private static boolean removedMe(EpochState st, RatchetTree tree) {
        return !MessageDigest.isEqual(tree.leaf(st.myLeaf()).signatureKey(),
                st.tree().leaf(st.myLeaf()).signatureKey());
    }

    // ---- outgoing proposals ---------------------------------------------------------------------------------

    /**
     * Sends a standalone proposal (RFC 9420 §12.1) for the current epoch, as a PrivateMessage or PublicMessage as
     * {@link GroupConfig#encryptHandshake()} says, and caches it like a received one: a later commit by any member
     * (this one included, see {@link #commit(List)}) that references it applies it. Proposals not committed in
     * this epoch are dropped at the next epoch change. Supports Add, Remove, PreSharedKey and
     * GroupContextExtensions; an Update is made with {@link #proposeUpdate()}.
     *
     * @throws ProtocolViolationException if the proposal is not valid in the current epoch (e.g. a Remove of a
     *         blank leaf, an unknown PSK, an Add whose KeyPackage fails validation), or is an Update, ExternalInit
     *         or ReInit
     */
    public MlsMessage propose(Proposal proposal) {
        checkUsable();
        EpochState st = current;
        if (proposal instanceof Proposal.Update) {
            throw new ProtocolViolationException("an Update proposal is made with proposeUpdate()");
        }
        checkProposal(st, proposal, Sender.member(st.myLeaf()));
        return sendProposal(st, proposal, null);
    }

    /** Proposes adding the owner of {@code keyPackage} (see {@link #propose(Proposal)}). */
    public MlsMessage proposeAdd(KeyPackage keyPackage) {
        return propose(new Proposal.Add(keyPackage));
    }

    /** Proposes removing the member at {@code leaf}, possibly this member itself (see {@link #propose(Proposal)}). */
    public MlsMessage proposeRemove(int leaf) {
        if (leaf < 0) {
            throw new ProtocolViolationException("invalid Remove of leaf " + leaf);
        }
        return propose(new Proposal.Remove(leaf));
    }

    /**
     * Proposes replacing this member's leaf with one under a fresh HPKE key (RFC 9420 §12.1.2). The new private key
     * is kept pending and installed if another member's commit includes this Update; this member's own commits
     * never include it (§12.2), and it is discarded at the next epoch change otherwise.
     */
    public MlsMessage proposeUpdate() {
        checkUsable();
        EpochState st = current;
        CipherSuite s = st.suite();
        byte[][] kp = s.generateHpkeKeyPair();
        LeafNode leaf = st.tree().leaf(st.myLeaf()).withSource(LeafNode.SOURCE_UPDATE, kp[1], null)
                .sign(s, signingKey, st.context().groupId(), st.myLeaf());
        return sendProposal(st, new Proposal.Update(leaf), kp[0]);
    }

    private MlsMessage sendProposal(EpochState st, Proposal p, byte[] updatePrivateKey) {
        CipherSuite s = st.suite();
        FramedContent fc = FramedContent.proposal(st.context().groupId(), st.epoch(), Sender.member(st.myLeaf()),
                new byte[0], p);
        int wf = handshakeWireFormat();
        AuthenticatedContent ac = new AuthenticatedContent(wf, fc,
                AuthenticatedContent.sign(s, signingKey, wf, fc, st.context()), null);
        MlsMessage msg = protect(st, ac);
        byte[] ref = ac.proposalRef(s);
        String key = HEX.formatHex(ref);
        proposals.put(key, new StoredProposal(p, fc.sender(), ref));
        if (updatePrivateKey != null) {
            ownUpdateKeys.put(key, updatePrivateKey);
        }
        return msg;
    }

    private int handshakeWireFormat() {
        return config.encryptHandshake() ? MlsMessage.PRIVATE_MESSAGE : MlsMessage.PUBLIC_MESSAGE;
    }

    /** Protects already-signed content from this member in its wire format. */
    private static MlsMessage protect(EpochState st, AuthenticatedContent ac) {
        return ac.wireFormat() == MlsMessage.PUBLIC_MESSAGE
                ? MlsMessage.of(MessageProtection.protectPublic(st.context(), st.secrets().membershipKey(), ac))
                : MlsMessage.of(MessageProtection.protectPrivate(st.context(), st.secretTree(),
                        st.secrets().senderDataSecret(), ac, 0));
    }

    private static int senderLeaf(Sender sender) {
        return sender.type() == Sender.MEMBER ? (int) sender.index() : -1;
    }

    /**
     * Checks one proposal on its own (RFC 9420 §12.1) against the current epoch, when sent and when received, so
     * an invalid proposal is refused at once instead of making every commit that would include it fail.
     * Combination rules (§12.2) are checked when a commit applies the list.
     */
    private void checkProposal(EpochState st, Proposal p, Sender sender) {
        CipherSuite s = st.suite();
        RequiredCapabilities required = RequiredCapabilities.in(Extension.decodeBody(st.context().extensions()));
        if (p instanceof Proposal.Add add) {
            KeyPackageValidator.keyPackage(s, add.keyPackage(), now(), config.credentials(), true);
            checkLeafMeets(add.keyPackage().leafNode(), required, "added KeyPackage");
            checkCredentialFits(st.tree(), add.keyPackage().leafNode(), -1, "added KeyPackage");
            // A key already in the tree is not refused here: a Remove of that leaf may come in the same commit.
            // committable() leaves out an Add that would still collide.
        } else if (p instanceof Proposal.Update u) {
            if (sender.type() != Sender.MEMBER) {
                throw new ProtocolViolationException("Update proposal from a non-member");
            }
            KeyPackageValidator.leaf(config, s, u.leafNode(), LeafNode.SOURCE_UPDATE, st.context().groupId(),
                    (int) sender.index(), true);
            checkLeafMeets(u.leafNode(), required, "Update leaf");
            checkCredentialFits(st.tree(), u.leafNode(), (int) sender.index(), "Update leaf");
            if (keyInTree(st.tree(), u.leafNode(), Set.of((int) sender.index()))) {
                throw new ProtocolViolationException("Update leaf reuses another member's key");
            }
        } else if (p instanceof Proposal.Remove r) {
            if (r.removed() >= st.tree().leafCount() || st.tree().leaf((int) r.removed()) == null) {
                throw new ProtocolViolationException("invalid Remove of leaf " + r.removed());
            }
        } else if (p instanceof Proposal.PreSharedKey psk) {
            pskSecret(st, List.of(psk.psk()));
        } else if (p instanceof Proposal.GroupContextExtensions g) {
            checkRequiredCapabilities(st.tree(), Extension.encodeBody(g.extensions()));
            checkExternalSenders(config, g.extensions());
        } else if (p instanceof Proposal.ExternalInit) {
            throw new ProtocolViolationException("ExternalInit is only valid inline in an external commit");
        } else if (p instanceof Proposal.ReInit) {
            throw new ProtocolViolationException("ReInit is not supported");
        }
    }

    /**
     * The cached proposals this member commits (RFC 9420 §12.2): not its own Updates, not a Remove of itself, and
     * at most one Remove or Update per leaf (a Remove wins over Updates, else the most recent Update).
     */
    private List<StoredProposal> committable(EpochState st) {
        Set<Integer> removedLeaves = new HashSet<>();
        Map<Integer, StoredProposal> lastUpdate = new HashMap<>();
        for (StoredProposal sp : proposals.values()) {
            if (sp.proposal() instanceof Proposal.Remove r) {
                removedLeaves.add((int) r.removed());
            } else if (sp.proposal() instanceof Proposal.Update) {
                lastUpdate.put(senderLeaf(sp.sender()), sp);
            }
        }
        Set<Integer> leaving = new HashSet<>(removedLeaves);
        leaving.remove(st.myLeaf()); // a Remove of this member is never committed by it
        List<StoredProposal> out = new ArrayList<>();
        Set<Integer> taken = new HashSet<>();
        // Each proposal was valid alone when cached; these keep the combination valid, so that no one cached
        // proposal (two Adds of one client, two PSK proposals for one PSK) can stop this member from committing.
        Set<java.nio.ByteBuffer> addedKeys = new HashSet<>();
        Set<java.nio.ByteBuffer> psks = new HashSet<>();
        for (StoredProposal sp : proposals.values()) {
            if (sp.proposal() instanceof Proposal.Update) {
                int leaf = senderLeaf(sp.sender());
                if (leaf == st.myLeaf() || removedLeaves.contains(leaf) || lastUpdate.get(leaf) != sp) {
                    continue;
                }
            } else if (sp.proposal() instanceof Proposal.Remove r) {
                if (r.removed() == st.myLeaf() || !taken.add((int) r.removed())) {
                    continue;
                }
            } else if (sp.proposal() instanceof Proposal.Add add) {
                LeafNode l = add.keyPackage().leafNode();
                boolean sigNew = addedKeys.add(java.nio.ByteBuffer.wrap(l.signatureKey()));
                boolean encNew = addedKeys.add(java.nio.ByteBuffer.wrap(l.encryptionKey()));
                if (!sigNew || !encNew || keyInTree(st.tree(), l, leaving)) {
                    continue;
                }
            } else if (sp.proposal() instanceof Proposal.PreSharedKey p && !psks.add(encoded(p.psk()))) {
                continue;
            }
            out.add(sp);
        }
        return out;
    }

    /** Whether {@code leaf}'s signature or encryption key is some member's in {@code tree}, bar the leaves given. */
    private static boolean keyInTree(RatchetTree tree, LeafNode leaf, Set<Integer> leaving) {
        for (int i : tree.occupiedLeaves()) {
            if (leaving.contains(i)) {
                continue;
            }
            LeafNode l = tree.leaf(i);
            if (MessageDigest.isEqual(l.signatureKey(), leaf.signatureKey())
                    || MessageDigest.isEqual(l.encryptionKey(), leaf.encryptionKey())) {
                return true;
            }
        }
        return false;
    }

    // ---- outgoing commits -----------------------------------------------------------------------------------

    /**
     * Commits {@code inline} proposals plus the cached proposals (received or sent by this member) by reference,
     * always with an UpdatePath (fresh keys). Cached proposals a committer must leave out (RFC 9420 §12.2) are
     * skipped: this member's own Updates, Removes of this member, and a second Remove or Update of the same leaf.
     */
    public PendingCommit commit(List<Proposal> inline) {
        return commit(inline, null);
    }

    private PendingCommit commit(List<Proposal> inline, Credential newCredential) {
        checkUsable();
        EpochState st = current;
        CipherSuite s = st.suite();
        List<SenderProposal> props = new ArrayList<>();
        List<Commit.ProposalOrRef> refs = new ArrayList<>();
        for (StoredProposal sp : committable(st)) {
            props.add(new SenderProposal(sp.proposal(), senderLeaf(sp.sender())));
            refs.add(new Commit.ProposalOrRef(null, sp.ref()));
        }
        for (Proposal p : inline) {
            props.add(new SenderProposal(p, st.myLeaf()));
            refs.add(new Commit.ProposalOrRef(p, null));
        }
        Applied a = applyProposals(st, props, st.myLeaf(), false);
        checkCredentialTypes(a.tree);
        if (a.tree.leaf(st.myLeaf()) == null) {
            throw new ProtocolViolationException("a member cannot commit its own removal");
        }
        byte[] ext = a.extensions;
        RatchetTree tree = a.tree;
        if (newCredential != null) {
            LeafNode mine = tree.leaf(st.myLeaf());
            config.credentials().validate(newCredential, mine.signatureKey());
            tree.setLeaf(st.myLeaf(), mine.withCredential(newCredential)); // TreeKem re-signs the leaf
        }
        TreeKem.Created created = TreeKem.create(s, tree, st.myLeaf(), signaturePrivateKey, st.context().groupId(),
                a.added, th -> st.context().withEpoch(st.epoch() + 1, th, st.context().confirmedTranscriptHash(),
                        ext));
        Commit commit = new Commit(List.copyOf(refs), created.path());
        FramedContent fc = FramedContent.commit(st.context().groupId(), st.epoch(), Sender.member(st.myLeaf()),
                new byte[0], commit);
        int wf = handshakeWireFormat();
        byte[] sig = AuthenticatedContent.sign(s, signingKey, wf, fc, st.context());
        byte[] confirmed = TranscriptHash.confirmed(s, st.interimTranscriptHash(),
                new AuthenticatedContent(wf, fc, sig, null).confirmedTranscriptHashInput());
        GroupContext ctx = st.context().withEpoch(st.epoch() + 1, tree.rootTreeHash(s), confirmed, ext);
        EpochSecrets es = EpochSecrets.derive(s, st.secrets().initSecret(), created.commitSecret(),
                pskSecret(st, a.psks), ctx.encode());
        byte[] tag = s.mac(es.confirmationKey(), confirmed);
        MlsMessage msg = protect(st, new AuthenticatedContent(wf, fc, sig, tag));
        Map<Integer, byte[]> keys = new HashMap<>(st.nodeKeys());
        keys.putAll(created.privateKeys());
        prune(s, tree, keys, this::publicKeyOf);
        EpochState next = new EpochState(s, ctx, tree, st.myLeaf(), keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, confirmed, tag));
        MlsMessage welcome = a.added.isEmpty() ? null
                : welcome(next, tag, a, created.pathSecrets());
        return new PendingCommit(msg, welcome, next, st.epoch());
    }

    /** Adds members (one commit). */
    public PendingCommit add(List<KeyPackage> keyPackages) {
        return commit(keyPackages.stream().<Proposal>map(Proposal.Add::new).toList());
    }

    /** Removes the members at these leaf indices (one commit). */
    public PendingCommit remove(List<Integer> leaves) {
        return commit(leaves.stream().<Proposal>map(l -> new Proposal.Remove(l)).toList());
    }

    /** Refreshes this member's keys (an empty commit with a path). */
    public PendingCommit update() {
        return commit(List.of());
    }

    /**
     * Refreshes this member's keys and replaces its credential (same signature key) from the next epoch on, e.g. a
     * certificate re-issued after the application identity rotated its key. Every member's credential validator
     * judges the new credential as it judges any leaf in a commit's path (RFC 9420 §7.3).
     */
    public PendingCommit update(Credential credential) {
        return commit(List.of(), java.util.Objects.requireNonNull(credential));
    }

    /** Moves to the epoch created by our own commit. */
    public void merge(PendingCommit pending) {
        checkUsable();
        if (pending.fromEpoch != current.epoch()) {
            throw new WrongEpochException("pending commit was made in epoch " + pending.fromEpoch);
        }
        advance(pending.next);
    }

    private MlsMessage welcome(EpochState next, byte[] tag, Applied a, Map<Integer, byte[]> pathSecrets) {
        CipherSuite s = next.suite();
        GroupInfo gi = new GroupInfo(next.context(),
                List.of(new Extension(Extension.RATCHET_TREE, next.tree().encode())), tag, next.myLeaf(),
                new byte[0]).sign(s, signaturePrivateKey);
        byte[] ws = next.secrets().welcomeSecret();
        byte[] encGi = s.aeadSeal(s.expandWithLabel(ws, "key", new byte[0], s.aeadKeyLength()),
                s.expandWithLabel(ws, "nonce", new byte[0], s.aeadNonceLength()), new byte[0], gi.encode());
        List<byte[]> initKeys = new ArrayList<>();
        List<byte[]> plaintexts = new ArrayList<>();
        for (int i = 0; i < a.added.size(); i++) {
            int leaf = a.addedOrder.get(i);
            byte[] ps = pathSecrets.get(next.tree().commonAncestor(leaf, next.myLeaf()));
            initKeys.add(a.addedKeyPackages.get(i).initKey());
            plaintexts.add(new GroupSecrets(next.secrets().joinerSecret(), ps, a.psks).encode());
        }
        // One call: the encrypted GroupInfo (the HPKE info) is hashed once for all new members.
        List<CipherSuite.HpkeCiphertext> sealed = s.encryptWithLabel(initKeys, "Welcome", encGi, plaintexts);
        List<Welcome.Secrets> secrets = new ArrayList<>();
        for (int i = 0; i < a.added.size(); i++) {
            secrets.add(new Welcome.Secrets(a.addedKeyPackages.get(i).ref(s), sealed.get(i)));
        }
        return MlsMessage.of(new Welcome(s.id(), List.copyOf(secrets), encGi));
    }

    // ---- proposals ------------------------------------------------------------------------------------------

    private static final class Applied {
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

    /** Validates and applies proposals in RFC 9420 §12.3 order (GCE, Update, Remove, Add, PSK, ExternalInit). */
    private Applied applyProposals(EpochState st, List<SenderProposal> props, int committer, boolean external) {
        CipherSuite s = st.suite();
        Applied a = new Applied();
        a.tree = st.tree().copy();
        a.extensions = st.context().extensions();
        a.pathRequired = props.isEmpty();
        byte[] groupId = st.context().groupId();
        if (external) {
            // RFC 9420 §12.2: exactly one ExternalInit, at most one Remove, any PreSharedKeys, nothing else.
            long removes = 0;
            for (SenderProposal sp : props) {
                Proposal p = sp.proposal();
                if (p instanceof Proposal.Remove r) {
                    removes++;
                    a.resyncRemoved = r.removed() < st.tree().leafCount() ? st.tree().leaf((int) r.removed()) : null;
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
                if (a.pathRequired && a.extensions != st.context().extensions()) {
                    throw new ProtocolViolationException("more than one GroupContextExtensions proposal");
                }
                a.extensions = Extension.encodeBody(g.extensions());
                checkExternalSenders(config, g.extensions());
                a.pathRequired = true;
            }
        }
        // Adds and Updates in this commit are checked against the extensions the commit leads to (§12.1.7).
        RequiredCapabilities required = RequiredCapabilities.in(Extension.decodeBody(a.extensions));
        // KeyPackage and leaf signatures of all Adds up front (in parallel when many); the rest stays in order.
        List<KeyPackage> adds = props.stream().map(SenderProposal::proposal).filter(p -> p instanceof Proposal.Add)
                .map(p -> ((Proposal.Add) p).keyPackage()).toList();
        verifyAll(adds.size(), k -> adds.get(k).cipherSuite() != s.id()
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
        Set<java.nio.ByteBuffer> pskIds = new HashSet<>();
        for (SenderProposal sp : props) {
            if (sp.proposal() instanceof Proposal.Add add) {
                KeyPackage kp = add.keyPackage();
                KeyPackageValidator.keyPackage(s, kp, now(), config.credentials(), false);
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
        if (a.extensions != st.context().extensions()) {
            // A GroupContextExtensions proposal: every member left after this commit must support the new set.
            checkRequiredCapabilities(a.tree, a.extensions);
        }
        // §7.3: an Add or Update may not bring a key a member already has (this also refuses two Adds of one
        // client, §12.2). The path's new keys are checked after the path is applied (applyCommit).
        if (!a.tree.hasDistinctSignatureKeys()) {
            throw new ProtocolViolationException("a leaf's signature key is already in use in the group");
        }
        if (!a.tree.hasDistinctEncryptionKeys()) {
            throw new ProtocolViolationException("a leaf's encryption key is already in use in the group");
        }
        return a;
    }

    private static java.nio.ByteBuffer encoded(PreSharedKeyId id) {
        TlsWriter w = new TlsWriter();
        id.encode(w);
        return java.nio.ByteBuffer.wrap(w.toByteArray());
    }

    /** The time KeyPackage lifetimes must cover; null when the configuration has no clock (conformance vectors). */
    private java.time.Instant now() {
        return config.clock() == null ? null : config.clock().instant();
    }

    private byte[] pskSecret(EpochState st, List<PreSharedKeyId> ids) {
        List<byte[]> values = new ArrayList<>();
        for (PreSharedKeyId id : ids) {
            byte[] v;
            if (id.pskType() == PreSharedKeyId.EXTERNAL) {
                v = config.externalPsk(id.pskId());
            } else if (id.usage() == PreSharedKeyId.USAGE_APPLICATION
                    && MessageDigest.isEqual(id.pskGroupId(), st.context().groupId())) {
                v = resumptionPsks.get(id.pskEpoch());
            } else {
                v = null;
            }
            if (v == null) {
                throw new ProtocolViolationException("unknown pre-shared key");
            }
            values.add(v);
        }
        return PskSecret.compute(st.suite(), ids, values);
    }

    // ---- state ----------------------------------------------------------------------------------------------

    private void advance(EpochState next) {
        if (config.pastEpochs() > 0) {
            // Past epochs only decrypt late application messages: drop their path keys and other secrets now.
            past.addFirst(GroupStateCodec.decryptOnly(current));
            while (past.size() > config.pastEpochs()) {
                past.removeLast();
            }
        }
        current = next;
        proposals.clear();
        for (byte[] k : ownUpdateKeys.values()) {
            if (!next.nodeKeys().containsValue(k)) {
                java.util.Arrays.fill(k, (byte) 0);
            }
        }
        ownUpdateKeys.clear();
        // Forget public keys of private keys no longer held (identity map: compare references).
        java.util.Set<byte[]> held = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        held.addAll(next.nodeKeys().values());
        publicKeys.keySet().retainAll(held);
        resumptionPsks.put(next.epoch(), next.secrets().resumptionPsk());
        while (resumptionPsks.size() > MAX_RESUMPTION_PSKS) {
            resumptionPsks.remove(resumptionPsks.keySet().iterator().next());
        }
    }

    private void checkUsable() {
        if (removed) {
            throw new RemovedFromGroupException("this member was removed from the group", current.epoch());
        }
    }

    /** Drops private keys for nodes that are blank or whose public key changed; returns how many remain. */
    static int prune(CipherSuite s, RatchetTree tree, Map<Integer, byte[]> keys) {
        return prune(s, tree, keys, s::hpkePublicKey);
    }

    /**
     * HPKE public keys of the private keys this member holds, by array identity (the same arrays move from epoch
     * to epoch), so pruning does not redo an X25519 base multiplication per key per commit. Holds no copies.
     */
    private final java.util.IdentityHashMap<byte[], byte[]> publicKeys = new java.util.IdentityHashMap<>();

    private byte[] publicKeyOf(byte[] privateKey) {
        return publicKeys.computeIfAbsent(privateKey, current.suite()::hpkePublicKey);
    }

    static int prune(CipherSuite s, RatchetTree tree, Map<Integer, byte[]> keys, Function<byte[], byte[]> pubOf) {
        keys.entrySet().removeIf(e -> {
            int n = e.getKey();
            if (n >= tree.nodeCount() || tree.isBlank(n)) {
                return true;
            }
            byte[] pub = n % 2 == 0 ? tree.leaf(n / 2).encryptionKey() : tree.parent(n).encryptionKey();
            return !MessageDigest.isEqual(pub, pubOf.apply(e.getValue()));
        });
        return keys.size();
    }

    static CipherSuite suiteOf(int id) {
        return CipherSuite.byId(id).orElseThrow(() -> new MlsException("unsupported cipher suite " + id));
    }

    static <T> T decodeAll(byte[] in, Function<TlsReader, T> dec) {
        TlsReader r = new TlsReader(in);
        T v = dec.apply(r);
        r.requireFullyConsumed();
        return v;
    }

    // ---- persistence (see GroupStateCodec) ------------------------------------------------------------------

    /**
     * Versioned binary snapshot of the current epoch and the retained past epochs (decrypt-only form), see
     * {@link GroupStateCodec}. Includes private keys: store encrypted.
     */
    public byte[] save() {
        return GroupStateCodec.encode(signaturePrivateKey, current, resumptionPsks, List.copyOf(past),
                List.copyOf(proposals.values()), ownUpdateKeys);
    }

    /**
     * Restores a group saved with {@link #save()} (any supported format version). Past epochs are restored up to
     * {@code config.pastEpochs()}, with the proposals cached in the current epoch and the private keys of this
     * member's own pending Update proposals.
     */
    public static Group load(GroupConfig config, byte[] saved) {
        GroupStateCodec.Decoded d = GroupStateCodec.decode(config, saved);
        Group g = new Group(config, d.signaturePrivateKey(), d.state());
        g.resumptionPsks.putAll(d.resumptionPsks());
        g.past.addAll(d.past());
        for (StoredProposal sp : d.proposals()) {
            g.proposals.put(HEX.formatHex(sp.ref()), sp);
        }
        g.ownUpdateKeys.putAll(d.ownUpdateKeys());
        return g;
    }
}
