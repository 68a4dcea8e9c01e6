package dev.carapace.hub.log;

import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.SignedNote;
import dev.carapace.tlog.TilePath;
import dev.carapace.tlog.TiledTree;
import java.io.ByteArrayOutputStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Serves what the log has committed: checkpoints with their cosignatures, entries, RFC 9162 inclusion and
 * consistency proofs and C2SP tiles, all for checkpointed sizes only. Proofs and tiles come from subtree roots cached
 * over the stored leaf hashes ({@link TiledTree}). It answers in values; the HTTP edge encodes them.
 */
public final class LogServer {
    /** What an acknowledged append answers: its index, the checkpoint covering it and the inclusion proof there. */
    public record Receipt(long index, long size, byte[] leafHash, String checkpoint, List<byte[]> proof) {}

    private final LogStorage storage;
    /** Subtree hashes for proofs and tiles, read from the stored leaf hashes. */
    private final TiledTree<SQLException> tree;
    /** A checkpointed size known to be committed; other processes may have gone further (then ask the storage). */
    private volatile long knownCheckpointedSize;

    LogServer(LogStorage storage) {
        this.storage = storage;
        this.tree = new TiledTree<>(storage::leafHashes);
    }

    /** The sequencer committed a checkpoint of {@code size}. */
    synchronized void checkpointed(long size) {
        knownCheckpointedSize = Math.max(knownCheckpointedSize, size);
    }

    /** The receipt of an acknowledged append of {@code entry}. */
    public Receipt receipt(LogSequencer.Appended a, byte[] entry) throws SQLException {
        return new Receipt(a.index(), a.size(), Merkle.leafHash(entry), a.checkpoint(),
                inclusionProof(a.index(), a.size()));
    }

    /** The signed note of the largest checkpoint, with the cosignatures collected for it so far. */
    public String latestCheckpoint() throws SQLException {
        return note(storage.latestCheckpoint());
    }

    /** The largest checkpoint that at least {@code k} witnesses cosigned, with its cosignatures. */
    public Optional<String> witnessedCheckpoint(int k) throws SQLException {
        return storage.witnessedCheckpoint(k).map(LogServer::note);
    }

    private static String note(LogStorage.StoredCheckpoint cp) {
        return SignedNote.withLines(cp.note(), cp.cosignatures());
    }

    /** The size of the largest checkpoint: what may be served. */
    public long checkpointedSize() throws SQLException {
        return storage.checkpointedSize();
    }

    /** Leaf hashes of entries [from, to). */
    public List<byte[]> leafHashes(long from, long to) throws SQLException {
        return storage.leafHashes(from, to);
    }

    /** Stored entries [from, to), in index order. */
    public List<byte[]> entries(long from, long to) throws SQLException {
        return storage.entries(from, to);
    }

    /** The stored entry at {@code index}. */
    public Optional<byte[]> entry(long index) throws SQLException {
        return storage.entry(index);
    }

    /** The inclusion proof of {@code index} in the tree of {@code size}, which must be a checkpointed size. */
    public List<byte[]> inclusionProof(long index, long size) throws SQLException {
        return Merkle.inclusionProof(tree(size), index, size);
    }

    /** The consistency proof from the tree of {@code from} to that of {@code to}, both checkpointed sizes. */
    public List<byte[]> consistencyProof(long from, long to) throws SQLException {
        if (from < 1 || from > to) {
            throw new IllegalArgumentException("no consistency proof from " + from + " to " + to);
        }
        return Merkle.consistencyProof(tree(to), from, to);
    }

    /**
     * The bytes of a C2SP tile: a hash tile (the concatenated roots of its subtrees) or an entry bundle (each entry
     * prefixed by its uint16 length); empty while the log's checkpoints do not cover it yet.
     */
    public Optional<byte[]> tile(TilePath t) throws SQLException {
        long per = TilePath.leavesPerHash(t.level());
        long first = t.index() * TilePath.FULL_WIDTH;
        long end = (first + t.width()) * per;
        if (end > checkpointedSize() || end < first) {
            return Optional.empty();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (t.entries()) {
            for (byte[] e : storage.entries(first, first + t.width())) {
                out.write(e.length >>> 8);
                out.write(e.length & 0xff);
                out.writeBytes(e);
            }
        } else {
            for (byte[] h : tileHashes(t.level(), first, t.width())) {
                out.writeBytes(h);
            }
        }
        return Optional.of(out.toByteArray());
    }

    /**
     * The hashes of a C2SP hash tile: the roots of {@code width} consecutive subtrees of 2^(8 * level) leaves, from
     * the {@code first}-th; level 0 is the leaf hashes themselves. The covered leaves must be checkpointed.
     */
    private List<byte[]> tileHashes(int level, long first, int width) throws SQLException {
        long per = 1L << (8 * level);
        long end = (first + width) * per;
        if (level == 0) {
            return storage.leafHashes(first, end);
        }
        Merkle.Subtrees<SQLException> t = tree(end);
        List<byte[]> out = new ArrayList<>(width);
        for (long i = first; i < first + width; i++) {
            out.add(t.root(i * per, (i + 1) * per));
        }
        return out;
    }

    private Merkle.Subtrees<SQLException> tree(long size) throws SQLException {
        if (size > knownCheckpointedSize) {
            long stored = storage.checkpointedSize();
            if (size > stored) {
                throw new IllegalArgumentException("the log has no checkpoint of size " + size + " yet");
            }
            checkpointed(stored); // a lost race only means one more query later
        }
        return tree.at(size);
    }
}
