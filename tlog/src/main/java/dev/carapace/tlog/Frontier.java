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

    public Frontier copy() {
        Frontier f = new Frontier();
        f.roots.addAll(roots);
        f.sizes.addAll(sizes);
        f.size = size;
        return f;
    }
}
