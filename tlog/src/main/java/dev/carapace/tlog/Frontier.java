package dev.carapace.tlog;

import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of a Merkle tree: the roots of its perfect subtrees, largest first. Appending a leaf and computing
 * the root cost O(log n), so a sequencer never rereads the log to sign a checkpoint.
 */
public final class Frontier {
    private final List<byte[]> roots = new ArrayList<>();
    private final List<Long> sizes = new ArrayList<>();
    private long size;

    public long size() {
        return size;
    }

    public void append(byte[] leafHash) {
        byte[] h = leafHash;
        long s = 1;
        while (!sizes.isEmpty() && sizes.get(sizes.size() - 1) == s) {
            h = Merkle.nodeHash(roots.remove(roots.size() - 1), h);
            sizes.remove(sizes.size() - 1);
            s *= 2;
        }
        roots.add(h);
        sizes.add(s);
        size++;
    }

    /** The RFC 9162 root of the tree so far. */
    public byte[] root() {
        if (roots.isEmpty()) {
            return Merkle.root(List.of());
        }
        byte[] r = roots.get(roots.size() - 1);
        for (int i = roots.size() - 2; i >= 0; i--) {
            r = Merkle.nodeHash(roots.get(i), r);
        }
        return r;
    }

    /** The subtree roots, largest first: with {@link #size()}, all a monitor must keep to go on verifying. */
    public List<byte[]> hashes() {
        return List.copyOf(roots);
    }

    /** Restores a frontier saved as its size and {@link #hashes()}. */
    public static Frontier of(long size, List<byte[]> hashes) {
        if (size < 0 || Long.bitCount(size) != hashes.size()) {
            throw new IllegalArgumentException("a tree of size " + size + " has " + Long.bitCount(size)
                    + " subtree roots, not " + hashes.size());
        }
        Frontier f = new Frontier();
        int i = 0;
        for (int bit = 62; bit >= 0; bit--) {
            if ((size & (1L << bit)) != 0) {
                byte[] h = hashes.get(i++);
                if (h.length != Merkle.HASH_LENGTH) {
                    throw new IllegalArgumentException("a subtree root is " + Merkle.HASH_LENGTH + " bytes");
                }
                f.roots.add(h.clone());
                f.sizes.add(1L << bit);
            }
        }
        f.size = size;
        return f;
    }

    public Frontier copy() {
        Frontier f = new Frontier();
        f.roots.addAll(roots);
        f.sizes.addAll(sizes);
        f.size = size;
        return f;
    }
}
