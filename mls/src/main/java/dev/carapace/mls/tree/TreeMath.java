package dev.carapace.mls.tree;

import java.util.OptionalInt;

/**
 * Node-index arithmetic for a left-balanced binary tree stored as an array (RFC 9420 Appendix C).
 * Leaves sit at even indices, parents at odd indices; the level of a node is its number of trailing one bits.
 * Pure static functions, thread-safe.
 */
public final class TreeMath {
    private TreeMath() {
    }

    /** Level of node {@code x}: 0 for leaves. */
    public static int level(long x) {
        return Long.numberOfTrailingZeros(~x);
    }

    /** Number of nodes in a tree with {@code nLeaves} leaves. */
    public static long nodeWidth(long nLeaves) {
        requirePositive(nLeaves);
        return 2 * nLeaves - 1;
    }

    public static long root(long nLeaves) {
        long w = nodeWidth(nLeaves);
        return (1L << log2(w)) - 1;
    }

    /** Left child, or empty for a leaf. */
    public static OptionalInt left(int x) {
        int k = level(x);
        return k == 0 ? OptionalInt.empty() : OptionalInt.of(x ^ (1 << (k - 1)));
    }

    /** Right child, or empty for a leaf. */
    public static OptionalInt right(int x) {
        int k = level(x);
        return k == 0 ? OptionalInt.empty() : OptionalInt.of(x ^ (3 << (k - 1)));
    }

    /** Parent of {@code x} in a tree of {@code nLeaves} leaves, or empty for the root. */
    public static OptionalInt parent(int x, long nLeaves) {
        requireInTree(x, nLeaves);
        if (x == root(nLeaves)) {
            return OptionalInt.empty();
        }
        // For non-full trees the naive parent may lie past the right edge; keep climbing until inside.
        long width = nodeWidth(nLeaves);
        long p = parentStep(x);
        while (p >= width) {
            p = parentStep(p);
        }
        return OptionalInt.of((int) p);
    }

    /** Sibling of {@code x}, or empty for the root. */
    public static OptionalInt sibling(int x, long nLeaves) {
        OptionalInt p = parent(x, nLeaves);
        if (p.isEmpty()) {
            return OptionalInt.empty();
        }
        int pi = p.getAsInt();
        return x < pi ? right(pi) : left(pi);
    }

    /** Node index of leaf {@code leafIndex}. */
    public static int leafToNode(int leafIndex) {
        return 2 * leafIndex;
    }

    private static long parentStep(long x) {
        int k = level(x);
        long b = (x >>> (k + 1)) & 1;
        return (x | (1L << k)) ^ (b << (k + 1));
    }

    private static int log2(long x) {
        return x == 0 ? 0 : 63 - Long.numberOfLeadingZeros(x);
    }

    private static void requirePositive(long nLeaves) {
        if (nLeaves <= 0) {
            throw new IllegalArgumentException("tree needs at least one leaf");
        }
    }

    private static void requireInTree(long x, long nLeaves) {
        if (x < 0 || x >= nodeWidth(nLeaves)) {
            throw new IllegalArgumentException("node " + x + " outside tree of " + nLeaves + " leaves");
        }
    }
}
