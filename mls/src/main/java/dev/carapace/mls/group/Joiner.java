package dev.carapace.mls.group;

import dev.carapace.mls.ProtocolViolationException;
import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.MessageProtection;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Commit;
import dev.carapace.mls.message.Extension;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.GroupSecrets;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.PreSharedKeyId;
import dev.carapace.mls.message.Proposal;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The two ways into an existing group (RFC 9420 §12.4.3): from a Welcome ({@link Group#join}) and by an external
 * commit from a GroupInfo ({@link Group#joinExternal}), possibly replacing the joiner's own earlier leaf (a resync).
 * Both check the received tree in full ({@link PublicGroup#receivedTree}) before trusting anything in it.
 */
final class Joiner {
    /** The HPKE export context of an external commit's init secret (RFC 9420 §8.3). */
    static final byte[] EXTERNAL_INIT_CONTEXT = "MLS 1.0 external init secret".getBytes(StandardCharsets.US_ASCII);

    private Joiner() {
    }

    /** See {@link Group#join}. */
    static Group fromWelcome(GroupConfig config, MlsMessage welcomeMessage, KeyPackageBundle me,
            RatchetTree ratchetTree) {
        Welcome w = welcomeMessage.welcome();
        if (w == null) {
            throw new DecodeException("not a Welcome");
        }
        CipherSuite s = Group.suiteOf(w.cipherSuite());
        KeyPackage kp = me.keyPackage();
        if (kp.cipherSuite() != w.cipherSuite()) {
            throw new ProtocolViolationException("Welcome cipher suite differs from the KeyPackage's");
        }
        byte[] ref = kp.ref(s);
        Welcome.Secrets mine = w.secrets().stream().filter(x -> MessageDigest.isEqual(x.newMember(), ref))
                .findFirst().orElseThrow(() -> new ProtocolViolationException("Welcome is not for this KeyPackage"));
        GroupSecrets gs = Group.decodeAll(s.decryptWithLabel(me.initPrivateKey(), "Welcome", w.encryptedGroupInfo(),
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
        GroupInfo gi = Group.decodeAll(s.aeadOpen(
                s.expandWithLabel(welcomeSecret, "key", new byte[0], s.aeadKeyLength()),
                s.expandWithLabel(welcomeSecret, "nonce", new byte[0], s.aeadNonceLength()),
                new byte[0], w.encryptedGroupInfo()), GroupInfo::decode);
        GroupContext ctx = gi.groupContext();
        if (ctx.cipherSuiteId() != s.id()) {
            throw new ProtocolViolationException("GroupInfo cipher suite differs from the Welcome's");
        }
        RatchetTree tree = PublicGroup.receivedTree(config.credentials(), s, gi, ratchetTree);
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
        if (Group.prune(s, tree, keys) != derived) {
            throw new ProtocolViolationException("Welcome path secret does not match the tree");
        }
        EpochState st = new EpochState(s, ctx, tree, myLeaf, keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, ctx.confirmedTranscriptHash(), gi.confirmationTag()));
        return new Group(config, me.signaturePrivateKey(), st);
    }

    /** See {@link Group#joinExternal(GroupConfig, MlsMessage, RatchetTree, KeyPackageBundle, int)}. */
    static ExternalJoin byExternalCommit(GroupConfig config, MlsMessage groupInfo, RatchetTree ratchetTree,
            KeyPackageBundle me, int resyncLeaf) {
        GroupInfo gi = groupInfo.groupInfo();
        if (gi == null) {
            throw new DecodeException("not a GroupInfo");
        }
        GroupContext ctx = gi.groupContext();
        CipherSuite s = Group.suiteOf(ctx.cipherSuiteId());
        if (me.keyPackage().cipherSuite() != s.id()) {
            throw new ProtocolViolationException("GroupInfo cipher suite differs from the KeyPackage's");
        }
        Extension pubExt = Extension.find(gi.extensions(), Extension.EXTERNAL_PUB);
        if (pubExt == null) {
            throw new ProtocolViolationException("GroupInfo has no external_pub extension");
        }
        byte[] externalPub = Group.decodeAll(pubExt.data(), TlsReader::readVarBytes);
        RatchetTree tree = PublicGroup.receivedTree(config.credentials(), s, gi, ratchetTree);
        LeafNode template = me.keyPackage().leafNode();
        KeyPackageValidator.leaf(config, s, template, LeafNode.SOURCE_KEY_PACKAGE, null, 0, false);
        List<Commit.ProposalOrRef> proposals = new ArrayList<>();
        if (resyncLeaf >= 0) {
            LeafNode old = resyncLeaf < tree.leafCount() ? tree.leaf(resyncLeaf) : null;
            if (old == null) {
                throw new ProtocolViolationException("invalid Remove of leaf " + resyncLeaf);
            }
            TreeValidation.checkResync(old, template);
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
        TreeValidation.checkRequiredCapabilities(tree, ctx.extensions());
        TreeValidation.checkCredentialTypes(tree);
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
        Group.prune(s, tree, keys);
        EpochState st = new EpochState(s, next, tree, myLeaf, keys, es,
                new SecretTree(s, es.encryptionSecret(), tree.leafCount(), config.ratchetLimits()),
                TranscriptHash.interim(s, confirmed, tag));
        return new ExternalJoin(new Group(config, me.signaturePrivateKey(), st), commit);
    }
}
