package dev.carapace.mls.group;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.Sender;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.tree.RatchetTree;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Versioned binary form of a group's state. Version byte first so layouts can be told apart; unknown versions are
 * rejected rather than guessed at. The output contains private keys.
 *
 * <ul>
 *   <li>Version 1: the current epoch and the resumption PSKs.</li>
 *   <li>Version 2: version 1's layout followed by the retained past epochs (newest first, at most
 *       {@link GroupConfig#pastEpochs()}), each in decrypt-only form: GroupContext, public tree, own leaf index,
 *       sender_data_secret and the secret-tree state. No path private keys and no other epoch secrets are kept
 *       for past epochs (they only decrypt late application messages), so saving them costs no forward secrecy
 *       beyond what the in-memory group already holds. Size: roughly one public tree (about 300 bytes per
 *       member for suite 1) plus the secret-tree nodes touched so far, per past epoch.</li>
 *   <li>Version 3: version 2's layout followed by the proposals cached in the current epoch (proposal, sender,
 *       reference) and the HPKE private keys of this member's own Update proposals still pending (reference, key),
 *       so a commit that includes them after a restart still applies.</li>
 * </ul>
 * Version 1 and 2 blobs still load (with no past epochs, respectively no cached proposals).
 */
final class GroupStateCodec {
    static final int VERSION_1 = 1;
    static final int VERSION_2 = 2;
    static final int VERSION = 3;

    record Decoded(byte[] signaturePrivateKey, EpochState state, Map<Long, byte[]> resumptionPsks,
            List<EpochState> past, List<ProposalStore.StoredProposal> proposals, Map<String, byte[]> ownUpdateKeys) {
    }

    private GroupStateCodec() {
    }

    /** Always the newest version; older versions are only read. */
    static byte[] encode(byte[] sigPriv, EpochState st, Map<Long, byte[]> psks, List<EpochState> past,
            List<ProposalStore.StoredProposal> proposals, Map<String, byte[]> ownUpdateKeys) {
        TlsWriter w = new TlsWriter().writeUint8(VERSION).writeUint16(st.suite().id()).writeVarBytes(sigPriv)
                .writeBytes(st.context().encode());
        st.tree().encode(w);
        w.writeUint32(st.myLeaf());
        w.writeList(new ArrayList<>(st.nodeKeys().entrySet()), (ww, e) -> ww.writeUint32(e.getKey())
                .writeVarBytes(e.getValue()));
        EpochSecrets es = st.secrets();
        for (byte[] b : new byte[][] {es.joinerSecret(), es.welcomeSecret(), es.epochSecret(),
            es.senderDataSecret(), es.encryptionSecret(), es.exporterSecret(), es.externalSecret(),
            es.confirmationKey(), es.membershipKey(), es.resumptionPsk(), es.epochAuthenticator(),
            es.initSecret()}) {
            w.writeVarBytes(b);
        }
        st.secretTree().encode(w);
        w.writeVarBytes(st.interimTranscriptHash());
        w.writeList(new ArrayList<>(psks.entrySet()), (ww, e) -> ww.writeUint64(e.getKey())
                .writeVarBytes(e.getValue()));
        w.writeList(past, (ww, p) -> {
            ww.writeBytes(p.context().encode());
            p.tree().encode(ww);
            ww.writeUint32(p.myLeaf()).writeVarBytes(p.secrets().senderDataSecret());
            p.secretTree().encode(ww);
        });
        w.writeList(proposals, (ww, sp) -> {
            sp.proposal().encode(ww);
            sp.sender().encode(ww);
            ww.writeVarBytes(sp.ref());
        });
        w.writeList(new ArrayList<>(ownUpdateKeys.entrySet()), (ww, e) -> ww
                .writeVarBytes(java.util.HexFormat.of().parseHex(e.getKey())).writeVarBytes(e.getValue()));
        return w.toByteArray();
    }

    static Decoded decode(GroupConfig config, byte[] bytes) {
        TlsReader r = new TlsReader(bytes);
        int version = r.readUint8();
        if (version < VERSION_1 || version > VERSION) {
            throw new DecodeException("unsupported group state version " + version);
        }
        CipherSuite s = Group.suiteOf(r.readUint16());
        byte[] sigPriv = r.readVarBytes();
        GroupContext ctx = GroupContext.decode(r);
        RatchetTree tree = RatchetTree.decode(r);
        int myLeaf = (int) r.readUint32();
        Map<Integer, byte[]> keys = new HashMap<>();
        r.readList(rr -> keys.put((int) rr.readUint32(), rr.readVarBytes()));
        byte[][] b = new byte[12][];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.readVarBytes();
        }
        EpochSecrets es = new EpochSecrets(s, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
                b[11]);
        SecretTree st = SecretTree.decode(s, r, config.ratchetLimits());
        byte[] interim = r.readVarBytes();
        Map<Long, byte[]> psks = new LinkedHashMap<>();
        r.readList(rr -> psks.put(rr.readUint64(), rr.readVarBytes()));
        List<EpochState> past = new ArrayList<>();
        if (version >= 2) {
            r.readList(rr -> {
                GroupContext pc = GroupContext.decode(rr);
                if (pc.cipherSuiteId() != s.id()) {
                    throw new DecodeException("past epoch with a different cipher suite");
                }
                RatchetTree pt = RatchetTree.decode(rr);
                int pl = (int) rr.readUint32();
                byte[] senderData = rr.readVarBytes();
                SecretTree pst = SecretTree.decode(s, rr, config.ratchetLimits());
                past.add(decryptOnly(s, pc, pt, pl, senderData, pst));
                return null;
            });
        }
        List<ProposalStore.StoredProposal> proposals = new ArrayList<>();
        Map<String, byte[]> ownUpdateKeys = new HashMap<>();
        if (version >= 3) {
            r.readList(rr -> {
                proposals.add(new ProposalStore.StoredProposal(Proposal.decode(rr), Sender.decode(rr), rr.readVarBytes()));
                return null;
            });
            r.readList(rr -> ownUpdateKeys.put(java.util.HexFormat.of().formatHex(rr.readVarBytes()),
                    rr.readVarBytes()));
        }
        r.requireFullyConsumed();
        // The tree must be the one the GroupContext commits to: catches a damaged or spliced blob, and fills the
        // tree-hash cache so the first commit after loading costs what later ones do.
        if (!java.security.MessageDigest.isEqual(tree.rootTreeHash(s), ctx.treeHash())) {
            throw new DecodeException("saved tree does not match the saved GroupContext");
        }
        // A config with fewer past epochs than were saved keeps the newest ones.
        while (past.size() > config.pastEpochs()) {
            past.remove(past.size() - 1);
        }
        return new Decoded(sigPriv, new EpochState(s, ctx, tree, myLeaf, keys, es, st, interim), psks,
                List.copyOf(past), proposals, ownUpdateKeys);
    }

    /**
     * A past epoch reduced to what decrypting application messages needs. The other secrets are zero
     * placeholders: nothing reads them for a past epoch (Group only looks past epochs up for application data).
     */
    static EpochState decryptOnly(CipherSuite s, GroupContext ctx, RatchetTree tree, int myLeaf, byte[] senderData,
            SecretTree secretTree) {
        byte[] z = new byte[s.hashLength()];
        EpochSecrets es = new EpochSecrets(s, z, z, z, senderData, z, z, z, z, z, z, z, z);
        return new EpochState(s, ctx, tree, myLeaf, Map.of(), es, secretTree, z);
    }

    static EpochState decryptOnly(EpochState st) {
        return decryptOnly(st.suite(), st.context(), st.tree(), st.myLeaf(), st.secrets().senderDataSecret(),
                st.secretTree());
    }
}
