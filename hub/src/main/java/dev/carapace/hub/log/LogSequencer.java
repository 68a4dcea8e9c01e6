package dev.carapace.hub.log;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Frontier;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.SignedNote;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;

/**
 * The log's one writer. A single sequencer thread per process drains pending appends in batches of up to
 * {@value #MAX_BATCH}; a batch, and the checkpoint it signs over it, are committed in one {@link LogStorage#write}
 * transaction, and only then are its appends acknowledged. Several processes on one PostgreSQL may sequence: a batch
 * that loses the race for the next index rolls back and is retried on top of the winner's.
 */
public final class LogSequencer implements AutoCloseable {
    public static final int MAX_BATCH = HubLimits.LOG_BATCH_ENTRIES;
    /** Entry bundles prefix each entry with a uint16 length. */
    public static final int MAX_ENTRY_BYTES = HubLimits.LOG_ENTRY_BYTES;

    /** An acknowledged append: its index and the signed checkpoint that covers it. */
    public record Appended(long index, long size, String checkpoint) {}

    /** Entries appended together: they get consecutive indexes in one commit, or all fail. */
    private record Pending(List<byte[]> entries, String submittedBy, CompletableFuture<List<Appended>> done) {}

    private final LogStorage storage;
    private final String origin;
    private final Ed25519KeyPair key;
    private final Clock clock;
    /** Told each checkpointed size once it is committed. */
    private final LongConsumer checkpointed;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(HubLimits.LOG_QUEUE_ENTRIES);
    private final Thread thread;
    private volatile boolean running = true;
    private Frontier frontier; // sequencer thread only

    /** Stores the empty tree's checkpoint if the log has none yet and starts the sequencer thread. */
    LogSequencer(LogStorage storage, String origin, Ed25519KeyPair key, Clock clock, LongConsumer checkpointed)
            throws SQLException {
        this.storage = storage;
        this.origin = origin;
        this.key = key;
        this.clock = clock;
        this.checkpointed = checkpointed;
        storage.write(w -> {
            byte[] root = new Frontier().root();
            w.addCheckpoint(0, root, sign(0, root), clock.millis());
            return null;
        });
        this.thread = Thread.ofPlatform().name("carapace-log-sequencer").daemon().start(this::sequence);
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

    /**
     * Appends and waits until the entry is durable and covered by a signed checkpoint (at most 30 s). An entry of a
     * size the log refuses is an {@link IllegalArgumentException}.
     */
    public Appended appendAndWait(byte[] entry, String submittedBy) throws TransparencyLog.UnavailableException {
        return appendAllAndWait(List.of(entry), submittedBy).get(0);
    }

    /** {@link #appendAll}, waiting as {@link #appendAndWait} does. */
    public List<Appended> appendAllAndWait(List<byte[]> entries, String submittedBy)
            throws TransparencyLog.UnavailableException {
        try {
            return appendAll(entries, submittedBy).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new TransparencyLog.UnavailableException("the log could not store the entry: "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new TransparencyLog.UnavailableException("the log is busy");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransparencyLog.UnavailableException("interrupted");
        }
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
                List<List<Appended>> results = storage.write(w -> write(w, batch));
                checkpointed.accept(results.get(0).get(0).size());
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

    private List<List<Appended>> write(LogStorage.Writer w, List<Pending> batch) throws SQLException {
        long size = w.size();
        Frontier f = frontier != null && frontier.size() == size ? frontier.copy() : rebuild(w, size);
        long now = clock.millis();
        List<LogStorage.NewEntry> entries = new ArrayList<>();
        for (Pending p : batch) {
            for (byte[] entry : p.entries()) {
                byte[] leaf = Merkle.leafHash(entry);
                entries.add(new LogStorage.NewEntry(leaf, entry, p.submittedBy()));
                f.append(leaf);
            }
        }
        w.addEntries(size, entries, now);
        String note = sign(f.size(), f.root());
        w.addCheckpoint(f.size(), f.root(), note, clock.millis());
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

    private String sign(long size, byte[] root) {
        return SignedNote.sign(new Checkpoint(origin, size, root, List.of()).text(), origin, key);
    }

    private static Frontier rebuild(LogStorage.Writer w, long size) throws SQLException {
        Frontier f = new Frontier();
        for (byte[] leaf : w.leafHashes(size)) {
            f.append(leaf);
        }
        return f;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
