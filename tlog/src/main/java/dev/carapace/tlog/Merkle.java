package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9162 section 2.1 Merkle tree hashing with SHA-256: {@code leaf = H(0x00 || entry)},
 * {@code node = H(0x01 || left || right)}, and the verification of inclusion (2.1.3.2) and consistency (2.1.4.2)
 * proofs. Verification compares the recomputed root in constant time and refuses proofs of the wrong length.
 */
public final class Merkle {
    public static final int HASH_LENGTH = 32;
    private static final byte[] EMPTY_ROOT = Bytes.sha256(new byte[0]);

    private Merkle() {}

    public static byte[] leafHash(byte[] entry) {
        MessageDigest md = Bytes.sha256();
        md.update((byte) 0x00);
        md.update(entry);
        return md.digest();
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest md = Bytes.sha256();
        md.update((byte) 0x01);
        md.update(left);
        md.update(right);
        return md.digest();
    }

    /** The root of the tree over {@code leaves} (leaf hashes), per RFC 9162's MTH. */
    public static byte[] root(List<byte[]> leaves) {
        if (leaves.isEmpty()) {
            return EMPTY_ROOT.clone();
        }
        return subtreeRoot(leaves, 0, leaves.size());
    }

    private static byte[] subtreeRoot(List<byte[]> leaves, int from, int to) {
        int n = to - from;
        if (n == 1) {
            return leaves.get(from);
        }
        int k = (int) largestPowerOfTwoBelow(n);
        return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
    }

    /** The largest power of two strictly less than {@code n} (n &gt; 1). */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }

    /**
     * The roots of ranges of one tree's leaves: {@code root(from, to)} is MTH(D[from:to]). Proofs are built from these,
     * so a large log can answer them from cached subtree hashes instead of holding every leaf.
     */
    @FunctionalInterface
    public interface Subtrees<E extends Exception> {
        byte[] root(long from, long to) throws E;
    }

    private static Subtrees<RuntimeException> of(List<byte[]> leaves) {
        return (from, to) -> subtreeRoot(leaves, (int) from, (int) to);
    }

    /** RFC 9162 PATH(m, D[n]): the inclusion proof for leaf {@code index}. */
    public static List<byte[]> inclusionProof(List<byte[]> leaves, int index) {
        return inclusionProof(of(leaves), index, leaves.size());
    }

    /** PATH(index, D[size]) from the tree's subtree roots. */
    public static <E extends Exception> List<byte[]> inclusionProof(Subtrees<E> tree, long index, long size) throws E {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("index " + index + " is not in a tree of size " + size);
        }
        List<byte[]> proof = new ArrayList<>();
        path(tree, index, 0, size, proof);
        return proof;
    }

    private static <E extends Exception> void path(Subtrees<E> tree, long m, long from, long to, List<byte[]> out)
            throws E {
        long n = to - from;
        if (n == 1) {
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(tree, m, from, from + k, out);
            out.add(tree.root(from + k, to));
        } else {
            path(tree, m - k, from + k, to, out);
            out.add(tree.root(from, from + k));
        }
    }

    /** RFC 9162 PROOF(m, D[n]): the consistency proof from the first {@code m} leaves to all of them. */
    public static List<byte[]> consistencyProof(List<byte[]> leaves, int m) {
        return consistencyProof(of(leaves), m, leaves.size());
    }

    /** PROOF(m, D[size]) from the tree's subtree roots; empty when m is 0 or size. */
    public static <E extends Exception> List<byte[]> consistencyProof(Subtrees<E> tree, long m, long size) throws E {
        if (m < 0 || m > size) {
            throw new IllegalArgumentException("no consistency proof from " + m + " to " + size);
        }
        List<byte[]> proof = new ArrayList<>();
        if (m == 0 || m == size) {
            return proof;
        }
        subproof(tree, m, 0, size, true, proof);
        return proof;
    }

    private static <E extends Exception> void subproof(Subtrees<E> tree, long m, long from, long to, boolean complete,
                                                       List<byte[]> out) throws E {
        long n = to - from;
        if (m == n) {
            if (!complete) {
                out.add(tree.root(from, to));
            }
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(tree, m, from, from + k, complete, out);
            out.add(tree.root(from + k, to));
        } else {
            subproof(tree, m - k, from + k, to, false, out);
            out.add(tree.root(from, from + k));
        }
    }

    /** RFC 9162 2.1.3.2: verifies that {@code leafHash} is at {@code index} in the tree of {@code size} with root. */
    public static void verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root)
            throws ProofException {
        checkHash(leafHash, "leaf hash");
        checkHash(root, "root");
        if (index < 0 || size <= 0 || index >= size) {
            throw new ProofException("leaf index " + index + " is outside a tree of size " + size);
        }
        byte[] r = rootFromInclusion(index, size, leafHash, proof);
        if (!Bytes.constantTimeEquals(r, root)) {
            throw new ProofException("inclusion proof does not lead to the root");
        }
    }

    /** The root an inclusion proof leads to; throws if the proof has the wrong length. */
    public static byte[] rootFromInclusion(long index, long size, byte[] leafHash, List<byte[]> proof)
            throws ProofException {
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            checkHash(p, "proof hash");
            if (sn == 0) {
                throw new ProofException("inclusion proof is too long");
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) {
            throw new ProofException("inclusion proof is too short");
        }
        return r;
    }

    /** RFC 9162 2.1.4.2: verifies that the tree of {@code size2} with {@code root2} extends that of size1/root1. */
    public static void verifyConsistency(long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof)
            throws ProofException {
        if (size1 < 0 || size2 < size1) {
            throw new ProofException("sizes " + size1 + " and " + size2 + " are not in order");
        }
        if (size1 == 0) {
            // Every tree extends the empty one, so such a proof proves nothing; callers trust a first checkpoint
            // on its signatures instead.
            throw new ProofException("a consistency proof from the empty tree proves nothing");
        }
        if (size1 == size2) {
            if (!proof.isEmpty()) {
                throw new ProofException("a consistency proof between equal sizes must be empty");
            }
            if (root1 == null || root2 == null || !Bytes.constantTimeEquals(root1, root2)) {
                throw new ProofException("two trees of the same size have different roots");
            }
            return;
        }
        checkHash(root1, "first root");
        checkHash(root2, "second root");
        if (proof.isEmpty()) {
            throw new ProofException("consistency proof is empty");
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(size1) == 1) {
            // size1 is a power of two: its root is the first node of the path.
            path.add(0, root1);
        }
        for (byte[] p : path) {
            checkHash(p, "proof hash");
        }
        long fn = size1 - 1;
        long sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (int i = 1; i < path.size(); i++) {
            byte[] c = path.get(i);
            if (sn == 0) {
                throw new ProofException("consistency proof is too long");
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) {
            throw new ProofException("consistency proof is too short");
        }
        if (!Bytes.constantTimeEquals(fr, root1)) {
            throw new ProofException("consistency proof does not lead to the first root");
        }
        if (!Bytes.constantTimeEquals(sr, root2)) {
            throw new ProofException("consistency proof does not lead to the second root");
        }
    }

    private static void checkHash(byte[] h, String what) throws ProofException {
        if (h == null || h.length != HASH_LENGTH) {
            throw new ProofException(what + " must be " + HASH_LENGTH + " bytes");
        }
    }
}
