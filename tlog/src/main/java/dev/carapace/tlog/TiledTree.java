package dev.carapace.tlog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Subtree roots of a large log whose leaf hashes live in storage, so that a proof or a hash tile costs O(log n) hashes
 * and at most a few reads of 256 leaves, not a read of the whole log. The roots of every complete 256-leaf and
 * 65,536-leaf subtree are kept in memory (1/256 and 1/65,536 of the leaf hashes: 1.25 MB for ten million entries) and
 * complete leaf tiles are cached; all of these are immutable once the log has grown past them. Thread-safe: many
 * readers, one grower at a time.
 */
public final class TiledTree<E extends Exception> {
    /** Reads the leaf hashes of entries [from, to), which must exist. */
    @FunctionalInterface
    public interface LeafStore<E extends Exception> {
        List<byte[]> leafHashes(long from, long to) throws E;
    }

    static final int TILE_HEIGHT = 8;
    static final int TILE = 1 << TILE_HEIGHT;
    /** 4,096 tiles of 256 hashes: about 40 MB with object overhead, a million leaves' worth. */
    private static final int CACHED_LEAF_TILES = 4096;
    /** Complete leaf tiles read per storage query while catching up. */
    private static final int TILES_PER_READ = 64;

    private final LeafStore<E> store;
    /** Roots of complete subtrees of 2^8 and 2^16 leaves, in order. */
    private final HashColumn level8 = new HashColumn();
    private final HashColumn level16 = new HashColumn();
    private final Map<Long, List<byte[]>> leafTiles = new LinkedHashMap<>(CACHED_LEAF_TILES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<byte[]>> eldest) {
            return size() > CACHED_LEAF_TILES;
        }
    };

    public TiledTree(LeafStore<E> store) {
        this.store = store;
    }

    /** The tree of the first {@code size} leaves, which must all be stored. */
    public Merkle.Subtrees<E> at(long size) throws E {
        grow(size);
        return (from, to) -> {
            if (from < 0 || to > size || from >= to) {
                throw new IllegalArgumentException("no subtree [" + from + ", " + to + ") in a tree of size " + size);
            }
            return root(from, to, size);
        };
    }

    private synchronized void grow(long size) throws E {
        long tiles = size / TILE;
        while (level8.count() < tiles) {
            long first = level8.count();
            long last = Math.min(tiles, first + TILES_PER_READ);
            List<byte[]> leaves = store.leafHashes(first * TILE, last * TILE);
            for (long t = first; t < last; t++) {
                int at = (int) ((t - first) * TILE);
                level8.append(Merkle.root(leaves.subList(at, at + TILE)));
            }
        }
        while (level16.count() < size / (TILE * TILE)) {
            level16.append(level8.perfectRoot(level16.count() * TILE, TILE));
        }
    }

    private byte[] root(long from, long to, long size) throws E {
        long n = to - from;
        if (Long.bitCount(n) == 1 && from % n == 0) {
            return full(from, Long.numberOfTrailingZeros(n), size);
        }
        long k = Merkle.largestPowerOfTwoBelow(n);
        return Merkle.nodeHash(root(from, from + k, size), root(from + k, to, size));
    }

    /** The root of the perfect subtree of 2^height leaves starting at {@code from} (a multiple of its width). */
    private byte[] full(long from, int height, long size) throws E {
        if (height >= 2 * TILE_HEIGHT) {
            return level16.perfectRoot(from >>> (2 * TILE_HEIGHT), 1 << (height - 2 * TILE_HEIGHT));
        }
        if (height >= TILE_HEIGHT) {
            return level8.perfectRoot(from >>> TILE_HEIGHT, 1 << (height - TILE_HEIGHT));
        }
        long tile = from / TILE;
        List<byte[]> leaves = leafTile(tile, size);
        int at = (int) (from - tile * TILE);
        return Merkle.root(leaves.subList(at, at + (1 << height)));
    }

    /**
     * The leaves of a tile, complete if the tree covers it, else up to {@code size}. A tile of a given width never
     * changes, so partial tiles are cached too, keyed by tile and width.
     */
    private List<byte[]> leafTile(long tile, long size) throws E {
        int width = (int) Math.min(TILE, size - tile * TILE);
        long key = tile << 9 | width;
        synchronized (leafTiles) {
            List<byte[]> cached = leafTiles.get(key);
            if (cached != null) {
                return cached;
            }
        }
        List<byte[]> leaves = List.copyOf(store.leafHashes(tile * TILE, tile * TILE + width));
        if (leaves.size() != width) {
            throw new IllegalStateException("storage holds " + leaves.size() + " leaves of tile " + tile);
        }
        synchronized (leafTiles) {
            leafTiles.put(key, leaves);
        }
        return leaves;
    }

    /**
     * An append-only column of hashes that readers use without locking: a hash is written before the count that
     * covers it is published, and a grown array holds everything the old one did.
     */
    private static final class HashColumn {
        private volatile byte[][] hashes = new byte[64][];
        private volatile long count;

        long count() {
            return count;
        }

        void append(byte[] h) {
            byte[][] a = hashes;
            int n = (int) count;
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n] = h;
            hashes = a;
            count = n + 1;
        }

        /** The root over {@code width} (a power of two) consecutive hashes from {@code first}. */
        byte[] perfectRoot(long first, int width) {
            if (first + width > count) {
                throw new IllegalStateException("subtree hashes " + first + "+" + width + " are not cached");
            }
            byte[][] a = hashes;
            if (width == 1) {
                return a[(int) first];
            }
            byte[][] level = new byte[width / 2][];
            for (int i = 0; i < level.length; i++) {
                level[i] = Merkle.nodeHash(a[(int) first + 2 * i], a[(int) first + 2 * i + 1]);
            }
            for (int w = level.length; w > 1; w /= 2) {
                for (int i = 0; i < w / 2; i++) {
                    level[i] = Merkle.nodeHash(level[2 * i], level[2 * i + 1]);
                }
            }
            return level[0];
        }
    }
}
