package dev.carapace.hub.log;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.hub.store.Database;
import dev.carapace.protocol.ErrorReason;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Cosigner;
import dev.carapace.tlog.Frontier;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.SignedNote;
import dev.carapace.tlog.TiledTree;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An append-only log. One sequencer thread per process drains pending appends in batches of up to
 * {@value #MAX_BATCH}; a batch, and the checkpoint that covers it, are committed in one transaction, and only then are
 * its appends acknowledged. Several processes on one PostgreSQL may sequence: a batch that loses the race for the next
 * index rolls back and is retried on top of the winner's.
 */
public final class TransparencyLog implements AutoCloseable {
    public static final int MAX_BATCH = 1000;
    /** Entry bundles prefix each entry with a uint16 length. */
    public static final int MAX_ENTRY_BYTES = 65_535;

    /** An acknowledged append: its index and the signed checkpoint that covers it. */
    public record Appended(long index, long size, String checkpoint) {}

    /** Entries appended together: they get consecutive indexes in one commit, or all fail. */
    private record Pending(List<byte[]> entries, String submittedBy, CompletableFuture<List<Appended>> done) {}

    private final Database db;
    private final String origin;
    private final Ed25519KeyPair key;
    private final NoteVerifier verifier;
    private final List<Cosigner> witnesses;
    private final Clock clock;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(100_000);
    private final Thread sequencer;
    private volatile boolean running = true;
    private Frontier frontier; // sequencer thread only
    /** Subtree hashes for proofs and tiles, read from the stored leaf hashes. */
    private final TiledTree<SQLException> tree = new TiledTree<>(this::leafHashes);
    /** A checkpointed size known to be committed; other processes may have gone further (then ask the database). */
    private volatile long knownCheckpointedSize;

    public TransparencyLog(Database db, String origin, Ed25519KeyPair key, List<Cosigner> witnesses, Clock clock)
            throws SQLException {
        this.db = db;
        this.origin = origin;
        this.key = key;
        this.verifier = NoteVerifier.of(origin, key.publicKey());
        this.witnesses = List.copyOf(witnesses);
        this.clock = clock;
        db.inTransaction(c -> {
            Frontier empty = new Frontier();
            insertCheckpoint(c, 0, empty.root());
            return null;
        });
        this.sequencer = Thread.ofPlatform().name("carapace-log-sequencer").daemon().start(this::sequence);
    }

    public String origin() {
        return origin;
    }

    public NoteVerifier verifier() {
        return verifier;
    }

    /** The witnesses whose cosignatures this log accepts. */
    public List<Cosigner> witnesses() {
        return witnesses;
    }

    /** Queues an entry; the future completes once it is durable and covered by a signed checkpoint. */
    public CompletableFuture<Appended> append(byte[] entry, String submittedBy) {
        return appendAll(List.of(entry), submittedBy).thenApply(a -> a.get(0));
    }

    /**
     * Queues entries to be appended together, at consecutive indexes in one commit (all or none); the future
     * completes once they are durable and covered by one signed checkpoint.
     */
    public CompletableFuture<List<Appended>> appendAll(List<byte[]> entries, String submittedBy) {
        CompletableFuture<List<Appended>> f = new CompletableFuture<>();
        List<byte[]> copies = new ArrayList<>(entries.size());
        for (byte[] entry : entries) {
            if (entry.length == 0 || entry.length > MAX_ENTRY_BYTES) {
                f.completeExceptionally(new IllegalArgumentException("an entry is 1 to " + MAX_ENTRY_BYTES + " bytes"));
                return f;
            }
            copies.add(entry.clone());
        }
        if (copies.isEmpty() || copies.size() > MAX_BATCH) {
            f.completeExceptionally(new IllegalArgumentException("1 to " + MAX_BATCH + " entries at once"));
        } else if (!running || !queue.offer(new Pending(List.copyOf(copies), submittedBy, f))) {
            f.completeExceptionally(new IllegalStateException("the log is not accepting appends"));
        }
        return f;
    }

    /** The log did not take an entry in time (storage failing, or overloaded); the caller may retry. */
    public static final class UnavailableException extends Exception {
        public UnavailableException(String message) {
            super(message);
        }
    }

    /**
     * Appends and waits until the entry is durable and covered by a signed checkpoint (at most 30 s). An entry of a
     * size the log refuses is an {@link IllegalArgumentException}.
     */
    public Appended appendAndWait(byte[] entry, String submittedBy) throws UnavailableException {
        return appendAllAndWait(List.of(entry), submittedBy).get(0);
    }

    /** {@link #appendAll}, waiting as {@link #appendAndWait} does. */
    public List<Appended> appendAllAndWait(List<byte[]> entries, String submittedBy) throws UnavailableException {
        try {
            return appendAll(entries, submittedBy).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new UnavailableException("the log could not store the entry: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new UnavailableException("the log is busy");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted");
        }
    }

    /** What an acknowledged append answers: index, size, leaf hash, the signed checkpoint and the inclusion proof. */
    public ObjectNode receipt(Appended a, byte[] entry) throws SQLException {
        ObjectNode o = Json.object();
        o.put("index", a.index());
        o.put("size", a.size());
        o.put("leafHash", Bytes.b64(Merkle.leafHash(entry)));
        o.put("checkpoint", a.checkpoint());
        ArrayNode proof = o.putArray("proof");
        inclusionProof(a.index(), a.size()).forEach(h -> proof.add(Bytes.b64(h)));
        return o;
    }

    private void sequence() {
        List<Pending> batch = new ArrayList<>();
        while (running) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                int entries = first.entries().size();
                Pending next;
                while ((next = queue.peek()) != null && entries + next.entries().size() <= MAX_BATCH) {
                    batch.add(queue.poll()); // only this thread takes from the queue
                    entries += next.entries().size();
                }
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.done().completeExceptionally(new IllegalStateException("the log stopped"));
        }
    }

    private void commit(List<Pending> batch) {
        SQLException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                List<List<Appended>> results = db.inTransaction(c -> write(c, batch));
                knownCheckpointedSize = Math.max(knownCheckpointedSize, results.get(0).get(0).size());
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).done().complete(results.get(i));
                }
                return;
            } catch (SQLException e) {
                last = e;
                frontier = null; // another process may have advanced the log: rebuild from storage
            }
        }
        for (Pending p : batch) {
            p.done().completeExceptionally(last);
        }
    }

    private List<List<Appended>> write(Connection c, List<Pending> batch) throws SQLException {
        long size = currentSize(c);
        Frontier f = frontier != null && frontier.size() == size ? frontier.copy() : rebuild(c, size);
        long now = clock.millis();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO log_entries (idx, leaf_hash, entry, submitted_by,"
                + " created_ms) VALUES (?, ?, ?, ?, ?)")) {
            long idx = size;
            for (Pending p : batch) {
                for (byte[] entry : p.entries()) {
                    byte[] leaf = Merkle.leafHash(entry);
                    ps.setLong(1, idx++);
                    ps.setBytes(2, leaf);
                    ps.setBytes(3, entry);
                    ps.setString(4, p.submittedBy());
                    ps.setLong(5, now);
                    ps.addBatch();
                    f.append(leaf);
                }
            }
            ps.executeBatch();
        }
        String note = insertCheckpoint(c, f.size(), f.root());
        frontier = f;
        List<List<Appended>> out = new ArrayList<>();
        long idx = size;
        for (Pending p : batch) {
            List<Appended> mine = new ArrayList<>();
            for (int i = 0; i < p.entries().size(); i++) {
                mine.add(new Appended(idx++, f.size(), note));
            }
            out.add(mine);
        }
        return out;
    }

    private String insertCheckpoint(Connection c, long size, byte[] root) throws SQLException {
        String note = SignedNote.sign(new Checkpoint(origin, size, root, List.of()).text(), origin, key);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO log_checkpoints (size, root, note, created_ms)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setLong(1, size);
            ps.setBytes(2, root);
            ps.setString(3, note);
            ps.setLong(4, clock.millis());
            ps.executeUpdate();
        }
        return note;
    }

    private static long currentSize(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Frontier rebuild(Connection c, long size) throws SQLException {
        Frontier f = new Frontier();
        for (byte[] leaf : leafHashes(c, size)) {
            f.append(leaf);
        }
        return f;
    }

    private static List<byte[]> leafHashes(Connection c, long size) throws SQLException {
        List<byte[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT leaf_hash FROM log_entries WHERE idx < ? ORDER BY idx")) {
            ps.setLong(1, size);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getBytes(1));
                }
            }
        }
        return out;
    }

    /** The signed note of the largest checkpoint, with the cosignatures collected for it so far. */
    public String latestCheckpoint() throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return withCosignatures(c, rs.getLong(1), rs.getString(2));
            }
        });
    }

    /** The largest checkpoint that at least {@code k} witnesses cosigned, with its cosignatures; null if none. */
    public String witnessedCheckpoint(int k) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT k.size, k.note FROM log_checkpoints k"
                    + " JOIN log_cosignatures w ON w.size = k.size GROUP BY k.size, k.note HAVING COUNT(*) >= ?"
                    + " ORDER BY k.size DESC LIMIT 1")) {
                ps.setInt(1, k);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? withCosignatures(c, rs.getLong(1), rs.getString(2)) : null;
                }
            }
        });
    }

    private static String withCosignatures(Connection c, long size, String note) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT line FROM log_cosignatures WHERE size = ? ORDER BY witness")) {
            ps.setLong(1, size);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        }
        return SignedNote.withLines(note, lines);
    }

    /** Why cosignatures were refused; the reason is an API error code. */
    public static final class CosignatureException extends Exception {
        private final ErrorReason reason;

        CosignatureException(ErrorReason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public ErrorReason reason() {
            return reason;
        }
    }

    /**
     * Stores the valid cosignatures, by configured witnesses, that {@code note} carries for one of this log's
     * checkpoints; returns the names of the witnesses whose cosignature was new or already held.
     */
    public List<String> addCosignatures(String note) throws SQLException, CosignatureException {
        Checkpoint cp;
        Map<String, String> lines;
        try {
            cp = Checkpoint.open(note, verifier);
            lines = Cosigner.validLines(note, witnesses);
        } catch (CryptoException e) {
            throw new CosignatureException(ErrorReason.INVALID_CHECKPOINT, "not a checkpoint of this log: " + e.getMessage());
        }
        if (lines.isEmpty()) {
            throw new CosignatureException(ErrorReason.UNKNOWN_WITNESS, "the note carries no valid cosignature by a witness"
                    + " this log is configured to accept");
        }
        // Checkpoints are never deleted, so checking before the insert leaves no race.
        byte[] root = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT root FROM log_checkpoints WHERE size = ?")) {
                ps.setLong(1, cp.size());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
        if (root == null || !Bytes.constantTimeEquals(root, cp.root())) {
            throw new CosignatureException(ErrorReason.UNKNOWN_CHECKPOINT, "this log never issued a checkpoint of size "
                    + cp.size() + " with that root");
        }
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO log_cosignatures (size, witness, line,"
                    + " created_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (Map.Entry<String, String> e : lines.entrySet()) {
                    ps.setLong(1, cp.size());
                    ps.setString(2, e.getKey());
                    ps.setString(3, e.getValue());
                    ps.setLong(4, clock.millis());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return List.copyOf(lines.keySet());
        });
    }

    /** The size of the largest checkpoint: what may be served. */
    public long checkpointedSize() throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT MAX(size) FROM log_checkpoints");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Leaf hashes of entries [from, to). */
    public List<byte[]> leafHashes(long from, long to) throws SQLException {
        return range("leaf_hash", from, to);
    }

    /** Entries [from, to). */
    public List<byte[]> entries(long from, long to) throws SQLException {
        return range("entry", from, to);
    }

    private List<byte[]> range(String column, long from, long to) throws SQLException {
        return db.read(c -> {
            List<byte[]> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + column
                    + " FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx")) {
                ps.setLong(1, from);
                ps.setLong(2, to);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getBytes(1));
                    }
                }
            }
            return out;
        });
    }

    /** The stored entry at {@code index}, or null. */
    public byte[] entry(long index) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT entry FROM log_entries WHERE idx = ?")) {
                ps.setLong(1, index);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
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
     * The hashes of a C2SP hash tile: the roots of {@code width} consecutive subtrees of 2^(8 * level) leaves, from
     * the {@code first}-th; level 0 is the leaf hashes themselves. The covered leaves must be checkpointed.
     */
    public List<byte[]> tileHashes(int level, long first, int width) throws SQLException {
        long per = 1L << (8 * level);
        long end = (first + width) * per;
        if (level == 0) {
            return leafHashes(first, end);
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
            long stored = checkpointedSize();
            if (size > stored) {
                throw new IllegalArgumentException("the log has no checkpoint of size " + size + " yet");
            }
            knownCheckpointedSize = stored; // a lost race only means one more query later
        }
        return tree.at(size);
    }

    @Override
    public void close() {
        running = false;
        sequencer.interrupt();
        try {
            sequencer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
