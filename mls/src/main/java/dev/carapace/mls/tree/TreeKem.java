package dev.carapace.mls.tree;

import dev.carapace.mls.InvalidSignatureException;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.crypto.CipherSuite.HpkeCiphertext;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.ParentNode;
import dev.carapace.mls.message.UpdatePath;
import dev.carapace.mls.schedule.GroupContext;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * TreeKEM (RFC 9420 §7.4-7.6): creating and processing UpdatePaths. Both sides merge the path into the given tree
 * (which must already have the commit's proposals applied) and only then build the provisional GroupContext,
 * because the context used to encrypt path secrets carries the tree hash after the merge.
 */
public final class TreeKem {
    private TreeKem() {
    }

    /** Raised when an UpdatePath is malformed or inconsistent with the tree. */
    public static final class InvalidPathException extends MlsException {
        private static final long serialVersionUID = 1L;

        public InvalidPathException(String message) {
            super(message);
        }
    }

    /** Result of creating a path: the path, the commit secret, and private keys of the new nodes. */
    public record Created(UpdatePath path, byte[] commitSecret, Map<Integer, byte[]> privateKeys,
            Map<Integer, byte[]> pathSecrets) {
    }

    /** Result of processing a path: the commit secret, the decrypted path secret and newly known private keys. */
    public record Processed(byte[] commitSecret, byte[] decryptedPathSecret, int decryptedAt,
            Map<Integer, byte[]> privateKeys) {
    }

    /**
     * Creates an UpdatePath for {@code leaf}; mutates {@code tree} (direct path replaced, leaf re-signed).
     *
     * @param excluded leaves added by this commit: they get the path secret through the Welcome instead
     */
    public static Created create(CipherSuite s, RatchetTree tree, int leaf, byte[] signaturePrivateKey,
            byte[] groupId, Set<Integer> excluded, Function<byte[], GroupContext> contextForTreeHash) {
        List<Integer> fdp = tree.filteredDirectPath(leaf);
        byte[][] leafKp = s.generateHpkeKeyPair();
        Map<Integer, byte[]> priv = new HashMap<>();
        Map<Integer, byte[]> secrets = new HashMap<>();
        priv.put(2 * leaf, leafKp[0]);
        List<byte[]> pubs = new ArrayList<>();
        byte[] ps = CipherSuite.randomBytes(s.hashLength());
        for (int i = 0; i < fdp.size(); i++) {
            if (i > 0) {
                ps = s.deriveSecret(ps, "path");
            }
            byte[][] kp = s.deriveHpkeKeyPair(s.deriveSecret(ps, "node"));
            priv.put(fdp.get(i), kp[0]);
            secrets.put(fdp.get(i), ps);
            pubs.add(kp[1]);
        }
        byte[] commitSecret = s.deriveSecret(ps, "path");
        byte[] leafParentHash = merge(s, tree, leaf, fdp, pubs);
        LeafNode old = tree.leaf(leaf);
        LeafNode fresh = old.withSource(LeafNode.SOURCE_COMMIT, leafKp[1], leafParentHash)
                .sign(s, signaturePrivateKey, groupId, leaf);
        tree.setLeaf(leaf, fresh);

        byte[] ctx = contextForTreeHash.apply(tree.rootTreeHash(s)).encode();
        List<UpdatePath.Node> nodes = new ArrayList<>();
        for (int i = 0; i < fdp.size(); i++) {
            int p = fdp.get(i);
            List<HpkeCiphertext> cts = new ArrayList<>();
            for (int r : tree.resolution(RatchetTree.childAway(p, 2 * leaf), excluded)) {
                cts.add(s.encryptWithLabel(publicKeyOf(tree, r), "UpdatePathNode", ctx, secrets.get(p)));
            }
            nodes.add(new UpdatePath.Node(pubs.get(i), List.copyOf(cts)));
        }
        return new Created(new UpdatePath(fresh, List.copyOf(nodes)), commitSecret, priv, secrets);
    }

    /**
     * Verifies and merges {@code path} from {@code sender} into {@code tree}, then decrypts the path secret with
     * one of {@code myKeys} (node index to HPKE private key) if {@code myLeaf >= 0}.
     */
    public static Processed process(CipherSuite s, RatchetTree tree, int sender, UpdatePath path, byte[] groupId,
            Set<Integer> excluded, int myLeaf, Map<Integer, byte[]> myKeys,
            Function<byte[], GroupContext> contextForTreeHash) {
        List<Integer> fdp = tree.filteredDirectPath(sender);
        if (path.nodes().size() != fdp.size()) {
            throw new InvalidPathException("path has " + path.nodes().size() + " nodes, expected " + fdp.size());
        }
        LeafNode leaf = path.leafNode();
        if (leaf.source() != LeafNode.SOURCE_COMMIT) {
            throw new InvalidPathException("path leaf source is not commit");
        }
        if (!leaf.verifySignature(s, groupId, sender)) {
            throw new InvalidSignatureException("path leaf signature");
        }
        // Resolutions of copath children are taken before the merge (the merge does not touch them anyway).
        List<List<Integer>> resolutions = new ArrayList<>();
        for (int p : fdp) {
            resolutions.add(tree.resolution(RatchetTree.childAway(p, 2 * sender), excluded));
        }
        for (int i = 0; i < fdp.size(); i++) {
            if (path.nodes().get(i).encryptedPathSecret().size() != resolutions.get(i).size()) {
                throw new InvalidPathException("wrong number of encrypted path secrets at node " + fdp.get(i));
            }
        }
        List<byte[]> pubs = path.nodes().stream().map(UpdatePath.Node::encryptionKey).toList();
        byte[] expected = merge(s, tree, sender, fdp, pubs);
        if (!MessageDigest.isEqual(expected, leaf.parentHash())) {
            throw new InvalidPathException("path leaf parent hash does not match the path");
        }
        tree.setLeaf(sender, leaf);
        if (myLeaf < 0 || myLeaf == sender) {
            return new Processed(null, null, -1, Map.of());
        }
        byte[] ctx = contextForTreeHash.apply(tree.rootTreeHash(s)).encode();
        int myNode = 2 * myLeaf;
        int i = 0;
        while (i < fdp.size() && !isAncestor(fdp.get(i), myNode)) {
            i++;
        }
        if (i == fdp.size()) {
            throw new InvalidPathException("no path node covers leaf " + myLeaf);
        }
        List<Integer> res = resolutions.get(i);
        int j = 0;
        while (j < res.size() && !myKeys.containsKey(res.get(j))) {
            j++;
        }
        if (j == res.size()) {
            throw new InvalidPathException("no private key for any resolution node of " + fdp.get(i));
        }
        byte[] ps = s.decryptWithLabel(myKeys.get(res.get(j)), "UpdatePathNode", ctx,
                path.nodes().get(i).encryptedPathSecret().get(j));
        byte[] decrypted = ps;
        Map<Integer, byte[]> priv = new HashMap<>();
        for (int k = i; k < fdp.size(); k++) {
            if (k > i) {
                ps = s.deriveSecret(ps, "path");
            }
            byte[][] kp = s.deriveHpkeKeyPair(s.deriveSecret(ps, "node"));
            if (!MessageDigest.isEqual(kp[1], pubs.get(k))) {
                throw new InvalidPathException("derived public key mismatch at node " + fdp.get(k));
            }
            priv.put(fdp.get(k), kp[0]);
        }
        return new Processed(s.deriveSecret(ps, "path"), decrypted, fdp.get(i), priv);
    }

    /** Private keys of {@code node} and the filtered-direct-path nodes above it, from its path secret. */
    public static Map<Integer, byte[]> keysFromPathSecret(CipherSuite s, RatchetTree tree, int node,
            byte[] pathSecret, int anyLeafBelow) {
        Map<Integer, byte[]> out = new HashMap<>();
        List<Integer> fdp = tree.filteredDirectPath(anyLeafBelow);
        int start = fdp.indexOf(node);
        if (start < 0) {
            throw new InvalidPathException("node " + node + " is not on the filtered direct path");
        }
        byte[] ps = pathSecret;
        for (int k = start; k < fdp.size(); k++) {
            if (k > start) {
                ps = s.deriveSecret(ps, "path");
            }
            out.put(fdp.get(k), s.deriveHpkeKeyPair(s.deriveSecret(ps, "node"))[0]);
        }
        return out;
    }

    /** Replaces the direct path with the new keys and parent hashes; returns the parent hash for the leaf. */
    static byte[] merge(CipherSuite s, RatchetTree tree, int leaf, List<Integer> fdp, List<byte[]> pubs) {
        tree.blankDirectPath(leaf);
        for (int i = 0; i < fdp.size(); i++) {
            tree.setParent(fdp.get(i), new ParentNode(pubs.get(i), new byte[0], List.of()));
        }
        for (int i = fdp.size() - 2; i >= 0; i--) {
            int up = fdp.get(i + 1);
            byte[] ph = tree.parentHash(s, up, RatchetTree.childAway(up, 2 * leaf));
            tree.setParent(fdp.get(i), new ParentNode(pubs.get(i), ph, List.of()));
        }
        if (fdp.isEmpty()) {
            return new byte[0];
        }
        return tree.parentHash(s, fdp.get(0), RatchetTree.childAway(fdp.get(0), 2 * leaf));
    }

    static boolean isAncestor(int ancestor, int node) {
        int level = TreeMath.level(ancestor);
        return Math.abs(node - ancestor) <= (1 << level) - 1;
    }

    private static byte[] publicKeyOf(RatchetTree tree, int node) {
        return node % 2 == 0 ? tree.leaf(node / 2).encryptionKey() : tree.parent(node).encryptionKey();
    }
}
