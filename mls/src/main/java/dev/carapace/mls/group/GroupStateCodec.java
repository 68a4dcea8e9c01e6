package dev.carapace.mls.group;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.schedule.EpochSecrets;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.schedule.SecretTree;
import dev.carapace.mls.tree.RatchetTree;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Versioned binary form of a group's current epoch. Version byte first so later layouts can be told apart;
 * unknown versions are rejected rather than guessed at. The output contains private keys.
 */
final class GroupStateCodec {
    static final int VERSION = 1;

    record Decoded(byte[] signaturePrivateKey, EpochState state, Map<Long, byte[]> resumptionPsks) {
    }

    private GroupStateCodec() {
    }

    static byte[] encode(Group g, byte[] sigPriv, EpochState st, Map<Long, byte[]> psks) {
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
        return w.toByteArray();
    }

    static Decoded decode(GroupConfig config, byte[] bytes) {
        TlsReader r = new TlsReader(bytes);
        int version = r.readUint8();
        if (version != VERSION) {
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
        r.requireFullyConsumed();
        return new Decoded(sigPriv, new EpochState(s, ctx, tree, myLeaf, keys, es, st, interim), psks);
    }
}
