package dev.carapace.mls.tree;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.ParentNode;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The public ratchet tree (RFC 9420 §7): an array of nodes, leaves at even indices, always a power of two leaves
 * wide in memory (trailing blanks are stripped only on the wire). Mutable; callers copy before speculative
 * changes (see {@link #copy()}). Single-writer.
 */
public final class RatchetTree {
    private Object[] nodes; // LeafNode, ParentNode or null (blank)
    /**
     * Tree hash per node for {@link #hashSuite}, null where unknown. A commit changes one path, so keeping the
     * other subtrees' hashes turns the O(N) tree-hash and parent-hash recomputation per commit into O(log N).
     * Every mutation clears the changed node and its ancestors; a resize clears everything.
     */
    private byte[][] hashes;
    private CipherSuite hashSuite;

    private RatchetTree(Object[] nodes) {
        this.nodes = nodes;
    }

    private void changed(int node) {
        if (hashes == null) {
            return;
        }
        if (hashes.length != nodes.length) {
            hashes = null;
            return;
        }
        hashes[node] = null;
        for (int p = parentOf(node); p >= 0; p = parentOf(p)) {
            hashes[p] = null;
        }
    }

    private void resized() {
        hashes = null;
    }

    /** A one-member tree. */
    public static RatchetTree single(LeafNode leaf) {
        return new RatchetTree(new Object[] {leaf});
    }

    public RatchetTree copy() {
        RatchetTree t = new RatchetTree(nodes.clone());
        if (hashes != null) {
            t.hashes = hashes.clone(); // entries are never mutated, only replaced
            t.hashSuite = hashSuite;
        }
        return t;
    }

    public int leafCount() {
        return (nodes.length + 1) / 2;
    }

    public int nodeCount() {
        return nodes.length;
    }

    public LeafNode leaf(int leafIndex) {
        return leafIndex < leafCount() ? (LeafNode) nodes[2 * leafIndex] : null;
    }

    public ParentNode parent(int nodeIndex) {
        return (ParentNode) nodes[nodeIndex];
    }

    public boolean isBlank(int nodeIndex) {
        return nodes[nodeIndex] == null;
    }

    public int root() {
        return (int) TreeMath.root(leafCount());
    }

    // ---- wire form ------------------------------------------------------------------------------------------

    /** Decodes {@code optional<Node> ratchet_tree<V>} and pads it with blanks to a full tree. */
    public static RatchetTree decode(TlsReader r) {
        List<Object> list = r.readList(RatchetTree::decodeNode);
        if (list.isEmpty() || list.size() % 2 == 0 || list.get(list.size() - 1) == BLANK) {
            throw new DecodeException("ratchet tree must have an odd number of nodes and a non-blank last node");
        }
        int leaves = Integer.highestOneBit((list.size() + 1) / 2);
        if (leaves < (list.size() + 1) / 2) {
            leaves *= 2;
        }
        Object[] nodes = new Object[2 * leaves - 1];
        for (int i = 0; i < list.size(); i++) {
            Object o = list.get(i);
            boolean leafSlot = i % 2 == 0;
            if (o != BLANK && (o instanceof LeafNode) != leafSlot) {
                throw new DecodeException("node type does not match position " + i);
            }
            nodes[i] = o == BLANK ? null : o;
        }
        return new RatchetTree(nodes);
    }

    public static RatchetTree decode(byte[] bytes) {
        TlsReader r = new TlsReader(bytes);
        RatchetTree t = decode(r);
        r.requireFullyConsumed();
        return t;
    }

    private static final Object BLANK = new Object();

    private static Object decodeNode(TlsReader r) {
        if (!r.readPresence()) {
            return BLANK;
        }
        int type = r.readUint8();
        return switch (type) {
            case 1 -> LeafNode.decode(r);
            case 2 -> ParentNode.decode(r);
            default -> throw new DecodeException("invalid node type " + type);
        };
    }

    public void encode(TlsWriter w) {
        int end = nodes.length;
        while (end > 0 && nodes[end - 1] == null) {
            end--;
        }
        w.writeList(Arrays.asList(nodes).subList(0, end), RatchetTree::encodeNode);
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }

    private static void encodeNode(TlsWriter w, Object n) {
        w.writePresence(n != null);
        if (n instanceof LeafNode l) {
            w.writeUint8(1);
            l.encode(w);
        } else if (n instanceof ParentNode p) {
            w.writeUint8(2);
            p.encode(w);
        }
    }

    // ---- structure ------------------------------------------------------------------------------------------

    public int parentOf(int node) {
        return TreeMath.parent(node, leafCount()).orElse(-1);
    }

    public int siblingOf(int node) {
        return TreeMath.sibling(node, leafCount()).orElseThrow();
    }

    /** Direct path of a node: its ancestors from its parent up to the root. */
    public List<Integer> directPath(int node) {
        List<Integer> out = new ArrayList<>();
        for (int p = parentOf(node); p >= 0; p = parentOf(p)) {
            out.add(p);
        }
        return out;
    }

    /** Resolution (RFC 9420 §4.1.1) in node indices, leaving out leaves in {@code exclude}. */
    public List<Integer> resolution(int node, Set<Integer> excludeLeaves) {
        List<Integer> out = new ArrayList<>();
        resolve(node, excludeLeaves, out);
        return out;
    }

    private void resolve(int node, Set<Integer> exclude, List<Integer> out) {
        Object n = nodes[node];
        if (node % 2 == 0) {
            if (n != null && !exclude.contains(node / 2)) {
                out.add(node);
            }
        } else if (n != null) {
            out.add(node);
            for (long u : ((ParentNode) n).unmergedLeaves()) {
                if (!exclude.contains((int) u)) {
                    out.add(2 * (int) u);
                }
            }
        } else {
            resolve(TreeMath.left(node).getAsInt(), exclude, out);
            resolve(TreeMath.right(node).getAsInt(), exclude, out);
        }
    }

    /** Filtered direct path of a leaf: direct-path nodes whose copath child has a non-empty resolution. */
    public List<Integer> filteredDirectPath(int leafIndex) {
        List<Integer> out = new ArrayList<>();
        int child = 2 * leafIndex;
        for (int p : directPath(child)) {
            int copath = TreeMath.left(p).getAsInt() == child ? TreeMath.right(p).getAsInt()
                    : TreeMath.left(p).getAsInt();
            if (!resolution(copath, Set.of()).isEmpty()) {
                out.add(p);
            }
            child = p;
        }
        return out;
    }

    /** The child of {@code ancestor} whose subtree contains {@code node}. */
    public static int childToward(int ancestor, int node) {
        return node < ancestor ? TreeMath.left(ancestor).getAsInt() : TreeMath.right(ancestor).getAsInt();
    }

    /** The child of {@code ancestor} whose subtree does not contain {@code node}. */
    public static int childAway(int ancestor, int node) {
        return node < ancestor ? TreeMath.right(ancestor).getAsInt() : TreeMath.left(ancestor).getAsInt();
    }

    /** Lowest common ancestor of two distinct leaves. */
    public int commonAncestor(int leafA, int leafB) {
        int n = 2 * leafA;
        while (!TreeKem.isAncestor(n, 2 * leafB)) {
            n = parentOf(n);
        }
        return n;
    }

    /** Leaf indices of non-blank leaves. */
    public List<Integer> occupiedLeaves() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < leafCount(); i++) {
            if (nodes[2 * i] != null) {
                out.add(i);
            }
        }
        return out;
    }

    // ---- hashes ---------------------------------------------------------------------------------------------

    public byte[] rootTreeHash(CipherSuite s) {
        return treeHash(s, root(), Set.of());
    }

    public byte[] treeHash(CipherSuite s, int node) {
        return treeHash(s, node, Set.of());
    }

    /** Tree hash (RFC 9420 §7.8), treating leaves in {@code removed} as blank (used for parent hashes). */
    public byte[] treeHash(CipherSuite s, int node, Set<Integer> removed) {
        boolean cacheable = !coversAny(node, removed);
        if (cacheable) {
            if (hashes == null || hashSuite != s || hashes.length != nodes.length) {
                hashes = new byte[nodes.length][];
                hashSuite = s;
            }
            byte[] h = hashes[node];
            if (h != null) {
                return h;
            }
            h = computeTreeHash(s, node, Set.of());
            hashes[node] = h;
            return h;
        }
        return computeTreeHash(s, node, removed);
    }

    /** Whether any leaf in {@code leaves} lies under {@code node} (level k node i covers leaves [i*2^k, (i+1)*2^k)). */
    private static boolean coversAny(int node, Set<Integer> leaves) {
        if (leaves.isEmpty()) {
            return false;
        }
        int k = Integer.numberOfTrailingZeros(~node);
        long first = (long) (node >>> (k + 1)) << k;
        long end = first + (1L << k);
        for (int l : leaves) {
            if (l >= first && l < end) {
                return true;
            }
        }
        return false;
    }

    private byte[] computeTreeHash(CipherSuite s, int node, Set<Integer> removed) {
        TlsWriter w = new TlsWriter();
        if (node % 2 == 0) {
            LeafNode leaf = removed.contains(node / 2) ? null : (LeafNode) nodes[node];
            w.writeUint8(1).writeUint32(node / 2).writeOptional(leaf, (ww, l) -> l.encode(ww));
        } else {
            ParentNode p = (ParentNode) nodes[node];
            if (p != null && !removed.isEmpty()) {
                p = new ParentNode(p.encryptionKey(), p.parentHash(), p.unmergedLeaves().stream()
                        .filter(u -> !removed.contains(u.intValue())).toList());
            }
            w.writeUint8(2).writeOptional(p, (ww, pp) -> pp.encode(ww))
                    .writeVarBytes(treeHash(s, TreeMath.left(node).getAsInt(), removed))
                    .writeVarBytes(treeHash(s, TreeMath.right(node).getAsInt(), removed));
        }
        return s.hash(w.toByteArray());
    }

    /** ParentHash of parent node {@code p} as seen from its child other than {@code sibling} (RFC 9420 §7.9). */
    public byte[] parentHash(CipherSuite s, int p, int sibling) {
        ParentNode pn = parent(p);
        Set<Integer> unmerged = new java.util.HashSet<>();
        pn.unmergedLeaves().forEach(u -> unmerged.add(u.intValue()));
        return s.hash(new TlsWriter().writeVarBytes(pn.encryptionKey()).writeVarBytes(pn.parentHash())
                .writeVarBytes(treeHash(s, sibling, unmerged)).toByteArray());
    }

    /**
     * Every non-blank parent must be the target of exactly one parent-hash link from a node in the resolution of
     * one of its children (RFC 9420 §7.9.2: parent-hash chains cover each non-blank parent node exactly once).
     * Zero links means an unauthenticated parent; two means a forged or replayed node claims the same parent,
     * which a sender-built tree never produces.
     */
    public boolean verifyParentHashes(CipherSuite s) {
        for (int p = 1; p < nodes.length; p += 2) {
            ParentNode pn = (ParentNode) nodes[p];
            if (pn == null) {
                continue;
            }
            Set<Integer> unmerged = new java.util.HashSet<>();
            pn.unmergedLeaves().forEach(u -> unmerged.add(u.intValue()));
            int links = 0;
            for (int side = 0; side < 2; side++) {
                int c = side == 0 ? TreeMath.left(p).getAsInt() : TreeMath.right(p).getAsInt();
                int sib = side == 0 ? TreeMath.right(p).getAsInt() : TreeMath.left(p).getAsInt();
                byte[] ph = parentHash(s, p, sib);
                for (int d : resolution(c, unmerged)) {
                    byte[] dph = d % 2 == 0 ? ((LeafNode) nodes[d]).parentHash() : ((ParentNode) nodes[d]).parentHash();
                    if (dph != null && dph.length == ph.length && MessageDigest.isEqual(dph, ph)) {
                        links++;
                    }
                }
            }
            if (links != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * The unmerged_leaves conditions on a received tree (RFC 9420 §7.1, §12.4.3.1): in every non-blank parent P the
     * list is strictly increasing, and each entry L names a non-blank leaf below P that every non-blank parent
     * between L and P also lists. Pure structure: no hashing, no allocation per entry.
     */
    public boolean verifyUnmergedLeaves() {
        for (int p = 1; p < nodes.length; p += 2) {
            ParentNode pn = (ParentNode) nodes[p];
            if (pn == null) {
                continue;
            }
            long prev = -1;
            for (long u : pn.unmergedLeaves()) {
                if (u <= prev || u >= leafCount() || nodes[2 * (int) u] == null
                        || !TreeKem.isAncestor(p, 2 * (int) u)) {
                    return false;
                }
                prev = u;
                for (int q = parentOf(2 * (int) u); q != p; q = parentOf(q)) {
                    ParentNode qn = (ParentNode) nodes[q];
                    // Lists are sorted when valid; an unsorted one fails its own check above in any case.
                    if (qn != null && java.util.Collections.binarySearch(qn.unmergedLeaves(), u) < 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** RFC 9420 §7.3, §12.4.3.1: no HPKE encryption key appears in two non-blank nodes. */
    public boolean hasDistinctEncryptionKeys() {
        Set<java.nio.ByteBuffer> seen = new java.util.HashSet<>();
        for (Object n : nodes) {
            byte[] k = n instanceof LeafNode l ? l.encryptionKey() : n instanceof ParentNode p ? p.encryptionKey()
                    : null;
            if (k != null && !seen.add(java.nio.ByteBuffer.wrap(k))) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9420 §7.3: no two members share a signature key (one client, one leaf). */
    public boolean hasDistinctSignatureKeys() {
        Set<java.nio.ByteBuffer> seen = new java.util.HashSet<>();
        for (int i = 0; i < nodes.length; i += 2) {
            if (nodes[i] instanceof LeafNode l && !seen.add(java.nio.ByteBuffer.wrap(l.signatureKey()))) {
                return false;
            }
        }
        return true;
    }

    // ---- mutation -------------------------------------------------------------------------------------------

    public void setLeaf(int leafIndex, LeafNode leaf) {
        nodes[2 * leafIndex] = leaf;
        changed(2 * leafIndex);
    }

    public void setParent(int node, ParentNode p) {
        nodes[node] = p;
        changed(node);
    }

    /** Add (RFC 9420 §12.1.1): leftmost blank leaf, doubling the tree if full; marks it unmerged above. */
    public int addLeaf(LeafNode leaf) {
        int idx = -1;
        for (int i = 0; i < leafCount(); i++) {
            if (nodes[2 * i] == null) {
                idx = i;
                break;
            }
        }
        if (idx < 0) {
            idx = leafCount();
            nodes = Arrays.copyOf(nodes, 2 * nodes.length + 1);
            resized();
        }
        nodes[2 * idx] = leaf;
        changed(2 * idx);
        for (int p : directPath(2 * idx)) {
            ParentNode pn = (ParentNode) nodes[p];
            if (pn != null) {
                List<Long> u = new ArrayList<>(pn.unmergedLeaves());
                int at = java.util.Collections.binarySearch(u, (long) idx);
                u.add(at < 0 ? -at - 1 : at, (long) idx); // the RFC requires increasing order (§7.1)
                nodes[p] = new ParentNode(pn.encryptionKey(), pn.parentHash(), List.copyOf(u));
            }
        }
        return idx;
    }

    /** Update: replaces the leaf and blanks its direct path. */
    public void updateLeaf(int leafIndex, LeafNode leaf) {
        nodes[2 * leafIndex] = leaf;
        changed(2 * leafIndex);
        blankDirectPath(leafIndex);
    }

    /** Remove: blanks the leaf and its direct path, then truncates trailing blank halves. */
    public void removeLeaf(int leafIndex) {
        nodes[2 * leafIndex] = null;
        changed(2 * leafIndex);
        blankDirectPath(leafIndex);
        while (leafCount() > 1) {
            int half = leafCount() / 2;
            boolean rightBlank = true;
            for (int i = half; i < leafCount(); i++) {
                rightBlank &= nodes[2 * i] == null;
            }
            if (!rightBlank) {
                break;
            }
            nodes = Arrays.copyOf(nodes, 2 * half - 1);
            resized();
        }
    }

    public void blankDirectPath(int leafIndex) {
        for (int p : directPath(2 * leafIndex)) {
            nodes[p] = null;
        }
        changed(2 * leafIndex);
    }

    /** Index of the first leaf equal (by encoding) to {@code leaf}, or -1. */
    public int findLeaf(LeafNode leaf) {
        byte[] enc = leaf.encode();
        for (int i = 0; i < leafCount(); i++) {
            if (nodes[2 * i] != null && Arrays.equals(((LeafNode) nodes[2 * i]).encode(), enc)) {
                return i;
            }
        }
        return -1;
    }
}
