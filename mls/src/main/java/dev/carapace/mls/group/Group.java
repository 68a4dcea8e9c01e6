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
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.schedule.TranscriptHash;
import dev.carapace.mls.tree.RatchetTree;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One member's view of an MLS group (RFC 9420). Single-writer: all methods must be called from one thread at a
 * time (wrap with a lock or an actor if shared). Each epoch is an {@link EpochState} snapshot (its
 * {@link PublicGroup} plus this member's keys); a commit builds a new snapshot as a {@link StagedCommit} and the
 * group swaps it in only once fully verified, so a rejected message never leaves a half-applied state.
 *
 * <p>The parts: {@link Joiner} (join by Welcome or external commit), {@link PublicGroup} and {@link TreeValidation}
 * (the rules on public data), {@link ProposalStore} (the epoch's proposals), {@link CommitBuilder} (this member's
 * commits), {@link StagedCommit} (received commits, verified before they apply), {@link EpochHistory} (past epochs and
 * resumption PSKs) and {@link GroupStateCodec} (persistence).
 */
public final class Group {
    private final GroupConfig config;
    private final byte[] signaturePrivateKey;
    /** The same key prepared once for this group's suite (signing then skips re-deriving the public key). */
    private final CipherSuite.SigningKey signingKey;
    private EpochState current;
    private boolean removed;
    private final EpochHistory history;
    private final ProposalStore proposals = new ProposalStore();
    /**
     * HPKE public keys of the private keys this member holds, by array identity (the same arrays move from epoch
     * to epoch), so pruning does not redo an X25519 base multiplication per key per commit. Holds no copies.
     */
    private final IdentityHashMap<byte[], byte[]> publicKeys = new IdentityHashMap<>();

    Group(GroupConfig config, byte[] signaturePrivateKey, EpochState state) {
        this.config = config;
        this.signaturePrivateKey = signaturePrivateKey.clone();
        this.signingKey = state.suite().signingKey(signaturePrivateKey);
        this.current = state;
        this.history = new EpochHistory(config.pastEpochs(), state);
    }

    // ---- creation and joining (see Joiner) ------------------------------------------------------------------

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
        return Joiner.fromWelcome(config, welcomeMessage, me, ratchetTree);
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
        return Joiner.byExternalCommit(config, groupInfo, ratchetTree, me, resyncLeaf);
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

    /** The current epoch's public state: tree and GroupContext, no secrets. */
    public PublicGroup publicGroup() {
        return current.publicGroup();
    }

    /** Leaf nodes of the current members by leaf index (blank leaves omitted). */
    public Map<Integer, LeafNode> members() {
        return current.publicGroup().members();
    }

    /** The current epoch's GroupContext extensions (where an application carries its group policy). */
    public List<Extension> contextExtensions() {
        return current.publicGroup().contextExtensions();
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

    ProposalStore proposals() {
        return proposals;
    }

    EpochHistory history() {
        return history;
    }

    byte[] signaturePrivateKey() {
        return signaturePrivateKey;
    }

    CipherSuite.SigningKey signingKey() {
        return signingKey;
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

    /**
     * Verifies and applies one incoming PublicMessage or PrivateMessage. A commit is staged and merged at once (see
     * {@link #stageCommit} to look at it first).
     */
    public Received process(MlsMessage m) {
        checkUsable();
        AuthenticatedContent ac;
        EpochState st;
        if (m.wireFormat() == MlsMessage.PUBLIC_MESSAGE) {
            st = current;
            st.publicGroup().checkSenderContent(m.publicMessage().content());
            ac = MessageProtection.unprotectPublic(st.context(), st.secrets().membershipKey(),
                    st.publicGroup().signerKeys(), m.publicMessage());
        } else if (m.wireFormat() == MlsMessage.PRIVATE_MESSAGE) {
            PrivateMessage pm = m.privateMessage();
            st = stateFor(pm.epoch(), pm.contentType() == FramedContent.APPLICATION);
            ac = MessageProtection.unprotectPrivate(st.context(), st.secretTree(), st.secrets().senderDataSecret(),
                    st.publicGroup().signerKeys(), pm);
        } else {
            throw new DecodeException("wire format " + m.wireFormat() + " is not a group message");
        }
        FramedContent fc = ac.content();
        return switch (fc.contentType()) {
            case FramedContent.APPLICATION -> new Received.Application(st.epoch(), (int) fc.sender().index(),
                    fc.authenticatedData(), fc.applicationData());
            case FramedContent.PROPOSAL -> storeProposal(ac);
            default -> {
                StagedCommit staged;
                try {
                    staged = StagedCommit.stage(this, st, ac, null);
                } catch (RemovedFromGroupException e) {
                    removed = true;
                    throw e;
                }
                apply(staged);
                yield new Received.NewEpoch(current.epoch());
            }
        };
    }

    /**
     * Verifies and computes an incoming commit (a PublicMessage or PrivateMessage for the current epoch) without
     * applying it; this group is left exactly as it was, so the result can be checked (e.g. against an application
     * policy) and then merged with {@link #merge(StagedCommit)} or simply dropped.
     *
     * @throws ProtocolViolationException if the message is not a commit, or the commit is invalid
     * @throws RemovedFromGroupException if the commit removes this member (the group itself stays usable)
     * @throws WrongEpochException if the commit is not for the current epoch
     */
    public StagedCommit stageCommit(MlsMessage m) {
        checkUsable();
        EpochState st = current;
        AuthenticatedContent ac;
        PrivateMessage pm = null;
        if (m.wireFormat() == MlsMessage.PUBLIC_MESSAGE) {
            FramedContent fc = m.publicMessage().content();
            if (fc.contentType() != FramedContent.COMMIT) {
                throw new ProtocolViolationException("not a commit");
            }
            st.publicGroup().checkSenderContent(fc);
            ac = MessageProtection.unprotectPublic(st.context(), st.secrets().membershipKey(),
                    st.publicGroup().signerKeys(), m.publicMessage());
        } else if (m.wireFormat() == MlsMessage.PRIVATE_MESSAGE) {
            pm = m.privateMessage();
            if (pm.contentType() != FramedContent.COMMIT) {
                throw new ProtocolViolationException("not a commit");
            }
            stateFor(pm.epoch(), false);
            // Decrypting consumes the sender's handshake key: on a copy, so that a discarded commit leaves it.
            ac = MessageProtection.unprotectPrivate(st.context(), st.secretTree().copy(),
                    st.secrets().senderDataSecret(), st.publicGroup().signerKeys(), pm);
        } else {
            throw new DecodeException("wire format " + m.wireFormat() + " is not a group message");
        }
        return StagedCommit.stage(this, st, ac, pm);
    }

    /**
     * Moves to the epoch of a commit staged by this group with {@link #stageCommit}.
     *
     * @throws WrongEpochException if this group is no longer in the epoch the commit was staged in
     * @throws IllegalArgumentException if another group staged it
     */
    public void merge(StagedCommit staged) {
        checkUsable();
        if (staged.stagedBy != this) {
            throw new IllegalArgumentException("this commit was staged by another group");
        }
        if (staged.fromEpoch != current.epoch()) {
            throw new WrongEpochException("commit was staged in epoch " + staged.fromEpoch + ", group is at "
                    + current.epoch());
        }
        if (staged.privateMessage != null) {
            // Consume, in this epoch's own secret tree, the key that decrypted the commit on a copy at staging.
            EpochState st = current;
            MessageProtection.unprotectPrivate(st.context(), st.secretTree(), st.secrets().senderDataSecret(),
                    st.publicGroup().signerKeys(), staged.privateMessage);
        }
        apply(staged);
    }

    private EpochState stateFor(long epoch, boolean application) {
        if (epoch == current.epoch()) {
            return current;
        }
        EpochState past = application ? history.past(epoch) : null;
        if (past != null) {
            return past;
        }
        throw new WrongEpochException("message for epoch " + epoch + ", group is at " + current.epoch());
    }

    private Received storeProposal(AuthenticatedContent ac) {
        Proposal p = ac.content().proposal();
        Sender sender = ac.content().sender();
        byte[] ref = ac.proposalRef(current.suite());
        if (!proposals.contains(ref)) { // a repeat (or our own, echoed back) was checked when first cached
            if (sender.type() == Sender.MEMBER && sender.index() == current.myLeaf()) {
                throw new ProtocolViolationException("a proposal from this member that it did not send");
            }
            checkProposal(current, p, sender);
            proposals.add(new ProposalStore.StoredProposal(p, sender, ref));
        }
        return new Received.ProposalStored(p, sender, ref);
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
        int wf = config.handshakeWireFormat();
        AuthenticatedContent ac = new AuthenticatedContent(wf, fc,
                AuthenticatedContent.sign(s, signingKey, wf, fc, st.context()), null);
        MlsMessage msg = protect(st, ac);
        ProposalStore.StoredProposal sp = new ProposalStore.StoredProposal(p, fc.sender(), ac.proposalRef(s));
        if (updatePrivateKey != null) {
            proposals.addOwnUpdate(sp, updatePrivateKey);
        } else {
            proposals.add(sp);
        }
        return msg;
    }

    /** Protects already-signed content from this member in its wire format. */
    static MlsMessage protect(EpochState st, AuthenticatedContent ac) {
        return ac.wireFormat() == MlsMessage.PUBLIC_MESSAGE
                ? MlsMessage.of(MessageProtection.protectPublic(st.context(), st.secrets().membershipKey(), ac))
                : MlsMessage.of(MessageProtection.protectPrivate(st.context(), st.secretTree(),
                        st.secrets().senderDataSecret(), ac, 0));
    }

    /**
     * Checks one proposal on its own against the current epoch ({@link PublicGroup#checkProposal}), and that a
     * PreSharedKey proposal names a PSK this member has.
     */
    private void checkProposal(EpochState st, Proposal p, Sender sender) {
        st.publicGroup().checkProposal(config, p, sender);
        if (p instanceof Proposal.PreSharedKey psk) {
            history.pskSecret(config, st, List.of(psk.psk()));
        }
    }

    // ---- outgoing commits (see CommitBuilder) ---------------------------------------------------------------

    /**
     * Commits {@code inline} proposals plus the cached proposals (received or sent by this member) by reference,
     * always with an UpdatePath (fresh keys). Cached proposals a committer must leave out (RFC 9420 §12.2) are
     * skipped: this member's own Updates, Removes of this member, and a second Remove or Update of the same leaf.
     */
    public PendingCommit commit(List<Proposal> inline) {
        checkUsable();
        return new CommitBuilder(this).inline(inline).build();
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
        checkUsable();
        return new CommitBuilder(this).credential(credential).build();
    }

    /** Moves to the epoch created by our own commit. */
    public void merge(PendingCommit pending) {
        checkUsable();
        if (pending.staged.fromEpoch != current.epoch()) {
            throw new WrongEpochException("pending commit was made in epoch " + pending.staged.fromEpoch);
        }
        apply(pending.staged);
    }

    // ---- state ----------------------------------------------------------------------------------------------

    /** Moves to the epoch of a verified commit. */
    private void apply(StagedCommit staged) {
        EpochState next = staged.next;
        publicKeys.putAll(staged.learnedPublicKeys);
        history.advance(current, next);
        current = next;
        proposals.clear(next.nodeKeys());
        // Forget public keys of private keys no longer held (identity map: compare references).
        java.util.Set<byte[]> held = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        held.addAll(next.nodeKeys().values());
        publicKeys.keySet().retainAll(held);
    }

    private void checkUsable() {
        if (removed) {
            throw new RemovedFromGroupException("this member was removed from the group", current.epoch());
        }
    }

    /** The cached HPKE public key of a private key this member holds, or null (see {@link #publicKeyOf}). */
    byte[] knownPublicKey(byte[] privateKey) {
        return publicKeys.get(privateKey);
    }

    byte[] publicKeyOf(byte[] privateKey) {
        return publicKeys.computeIfAbsent(privateKey, current.suite()::hpkePublicKey);
    }

    /** Drops private keys for nodes that are blank or whose public key changed; returns how many remain. */
    static int prune(CipherSuite s, RatchetTree tree, Map<Integer, byte[]> keys) {
        return prune(s, tree, keys, s::hpkePublicKey);
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
        return GroupStateCodec.encode(signaturePrivateKey, current, history.resumptionPsks(), history.pastEpochs(),
                proposals.all(), proposals.ownUpdateKeys());
    }

    /**
     * Restores a group saved with {@link #save()} (any supported format version). Past epochs are restored up to
     * {@code config.pastEpochs()}, with the proposals cached in the current epoch and the private keys of this
     * member's own pending Update proposals.
     */
    public static Group load(GroupConfig config, byte[] saved) {
        GroupStateCodec.Decoded d = GroupStateCodec.decode(config, saved);
        Group g = new Group(config, d.signaturePrivateKey(), d.state());
        g.history.restore(d.resumptionPsks(), d.past());
        d.proposals().forEach(g.proposals::add);
        g.proposals.restoreOwnUpdateKeys(d.ownUpdateKeys());
        return g;
    }
}
