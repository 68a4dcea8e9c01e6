package dev.carapace.mls.vectors;

import static dev.carapace.mls.vectors.FramingVectors.hex;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.message.Proposal;
import dev.carapace.mls.schedule.GroupContext;
import dev.carapace.mls.tree.RatchetTree;
import dev.carapace.mls.tree.TreeKem;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/** Checks for the tree-operations and treekem families. */
final class TreeVectors {
    private TreeVectors() {
    }

    static boolean treeOperations(JsonNode c) {
        CipherSuite s = CipherSuite.byId(c.get("cipher_suite").asInt()).orElse(null);
        if (s == null) {
            return false;
        }
        RatchetTree tree = RatchetTree.decode(hex(c, "tree_before"));
        if (!Arrays.equals(tree.rootTreeHash(s), hex(c, "tree_hash_before"))) {
            return false;
        }
        Proposal p = FramingVectors.decodeAll(hex(c, "proposal"), Proposal::decode);
        int sender = c.get("proposal_sender").asInt();
        switch (p) {
            case Proposal.Add a -> tree.addLeaf(a.keyPackage().leafNode());
            case Proposal.Update u -> tree.updateLeaf(sender, u.leafNode());
            case Proposal.Remove r -> tree.removeLeaf((int) r.removed());
            default -> {
                return false;
            }
        }
        return Arrays.equals(tree.encode(), hex(c, "tree_after"))
                && Arrays.equals(tree.rootTreeHash(s), hex(c, "tree_hash_after"));
    }

    static boolean treekem(JsonNode c) {
        CipherSuite s = CipherSuite.byId(c.get("cipher_suite").asInt()).orElse(null);
        if (s == null) {
            return false;
        }
        byte[] groupId = hex(c, "group_id");
        long epoch = c.get("epoch").asLong();
        byte[] cth = hex(c, "confirmed_transcript_hash");
        RatchetTree base = RatchetTree.decode(hex(c, "ratchet_tree"));
        Function<byte[], GroupContext> ctx = th -> new GroupContext(s, groupId, epoch, th, cth, new byte[0]);

        Map<Integer, Map<Integer, byte[]>> privs = new HashMap<>();
        Map<Integer, byte[]> sigPrivs = new HashMap<>();
        for (JsonNode lp : c.get("leaves_private")) {
            int idx = lp.get("index").asInt();
            Map<Integer, byte[]> keys = new HashMap<>();
            keys.put(2 * idx, hex(lp, "encryption_priv"));
            for (JsonNode ps : lp.get("path_secrets")) {
                keys.put(ps.get("node").asInt(), s.deriveHpkeKeyPair(s.deriveSecret(hex(ps, "path_secret"), "node"))[0]);
            }
            // Private state must match the public tree.
            for (Map.Entry<Integer, byte[]> e : keys.entrySet()) {
                int n = e.getKey();
                if (base.isBlank(n)) {
                    return false;
                }
                byte[] pub = n % 2 == 0 ? base.leaf(n / 2).encryptionKey() : base.parent(n).encryptionKey();
                if (!Arrays.equals(pub, s.hpkePublicKey(e.getValue()))) {
                    return false;
                }
            }
            privs.put(idx, keys);
            sigPrivs.put(idx, hex(lp, "signature_priv"));
        }
        if (!base.verifyParentHashes(s)) {
            return false;
        }
        for (JsonNode up : c.get("update_paths")) {
            int sender = up.get("sender").asInt();
            var path = FramingVectors.decodeAll(hex(up, "update_path"), dev.carapace.mls.message.UpdatePath::decode);
            byte[] commitSecret = hex(up, "commit_secret");
            List<Integer> occupied = base.occupiedLeaves();
            for (int j : occupied) {
                if (j == sender) {
                    continue;
                }
                RatchetTree t = base.copy();
                TreeKem.Processed pr = TreeKem.process(s, t, sender, path, groupId, Set.of(), j, privs.get(j), ctx);
                JsonNode expected = up.get("path_secrets").get(j);
                if (!Arrays.equals(pr.decryptedPathSecret(), HexHolder.parse(expected))
                        || !Arrays.equals(pr.commitSecret(), commitSecret)
                        || !Arrays.equals(t.rootTreeHash(s), hex(up, "tree_hash_after"))) {
                    return false;
                }
            }
            RatchetTree mine = base.copy();
            TreeKem.Created created = TreeKem.create(s, mine, sender, sigPrivs.get(sender), groupId, Set.of(), ctx);
            for (int j : occupied) {
                if (j == sender) {
                    continue;
                }
                RatchetTree t = base.copy();
                TreeKem.Processed pr = TreeKem.process(s, t, sender, created.path(), groupId, Set.of(), j,
                        privs.get(j), ctx);
                if (!Arrays.equals(pr.commitSecret(), created.commitSecret())
                        || !Arrays.equals(t.rootTreeHash(s), mine.rootTreeHash(s))) {
                    return false;
                }
            }
            if (!mine.verifyParentHashes(s)) {
                return false;
            }
        }
        return true;
    }

    private static final class HexHolder {
        static byte[] parse(JsonNode n) {
            return n == null || n.isNull() ? null : java.util.HexFormat.of().parseHex(n.asString());
        }
    }

    static TlsReader reader(byte[] b) {
        return new TlsReader(b);
    }
}
