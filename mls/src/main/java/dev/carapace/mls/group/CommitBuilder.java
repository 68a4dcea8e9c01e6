package dev.carapace.mls.group;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.GroupSecrets;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.message.Welcome;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.schedule.TranscriptHash;
import dev.carapace.mls.tree.RatchetTree;
import dev.carapace.mls.tree.TreeKem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds this member's commit for the current epoch of a {@link Group} (RFC 9420 §12.4): the cached proposals it may
 * commit ({@link ProposalStore#committable}) by reference, then the inline proposals, always with an UpdatePath,
 * optionally re-certifying this member's leaf. The result is a {@link PendingCommit}: the group stays in its epoch
 * until the commit is merged.
 */
final class CommitBuilder {
    private final Group group;
    private List<Proposal> inline = List.of();
    private Credential newCredential;

    CommitBuilder(Group group) {
        this.group = group;
    }

    /** Proposals sent inline, after the cached ones. */
    CommitBuilder inline(List<Proposal> proposals) {
        this.inline = List.copyOf(proposals);
        return this;
    }

    /** This member's credential from the next epoch on (same signature key). */
    CommitBuilder credential(Credential credential) {
        this.newCredential = java.util.Objects.requireNonNull(credential);
        return this;
    }

    PendingCommit build() {
        GroupConfig config = group.config();
        EpochState st = group.state();
        CipherSuite s = st.suite();
        List<PublicGroup.SenderProposal> props = new ArrayList<>();
        List<Commit.ProposalOrRef> refs = new ArrayList<>();
        for (ProposalStore.StoredProposal sp : group.proposals().committable(st)) {
            props.add(new PublicGroup.SenderProposal(sp.proposal(), sp.senderLeaf()));
            refs.add(new Commit.ProposalOrRef(null, sp.ref()));
        }
        for (Proposal p : inline) {
            props.add(new PublicGroup.SenderProposal(p, st.myLeaf()));
            refs.add(new Commit.ProposalOrRef(p, null));
        }
        PublicGroup.Diff a = st.publicGroup().applyProposals(config, props, st.myLeaf(), false);
        TreeValidation.checkCredentialTypes(a.tree);
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
        TreeKem.Created created = TreeKem.create(s, tree, st.myLeaf(), group.signaturePrivateKey(),
                st.context().groupId(), a.added, th -> st.context().withEpoch(st.epoch() + 1, th,
                        st.context().confirmedTranscriptHash(), ext));
        Commit commit = new Commit(List.copyOf(refs), created.path());
        FramedContent fc = FramedContent.commit(st.context().groupId(), st.epoch(), Sender.member(st.myLeaf()),
                new byte[0], commit);
        int wf = config.handshakeWireFormat();
        byte[] sig = AuthenticatedContent.sign(s, group.signingKey(), wf, fc, st.context());
        byte[] confirmed = TranscriptHash.confirmed(s, st.interimTranscriptHash(),
                new AuthenticatedContent(wf, fc, sig, null).confirmedTranscriptHashInput());
        GroupContext ctx = st.context().withEpoch(st.epoch() + 1, tree.rootTreeHash(s), confirmed, ext);
        EpochSecrets es = EpochSecrets.derive(s, st.secrets().initSecret(), created.commitSecret(),
                group.history().pskSecret(config, st, a.psks), ctx.encode());
        byte[] tag = s.mac(es.confirmationKey(), confirmed);
        MlsMessage msg = Group.protect(st, new AuthenticatedContent(wf, fc, sig, tag));
        Map<Integer, byte[]> keys = new HashMap<>(st.nodeKeys());
        keys.putAll(created.privateKeys());
        Group.prune(s, tree, keys, group::publicKeyOf);
        EpochState next = new EpochState(s, ctx, tree, st.myLeaf(), keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, confirmed, tag));
        MlsMessage welcome = a.added.isEmpty() ? null : welcome(next, tag, a, created.pathSecrets());
        return new PendingCommit(msg, welcome, StagedCommit.own(next, st.epoch()));
    }

    private MlsMessage welcome(EpochState next, byte[] tag, PublicGroup.Diff a, Map<Integer, byte[]> pathSecrets) {
        CipherSuite s = next.suite();
        GroupInfo gi = new GroupInfo(next.context(),
                List.of(new Extension(Extension.RATCHET_TREE, next.tree().encode())), tag, next.myLeaf(),
                new byte[0]).sign(s, group.signaturePrivateKey());
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
}
