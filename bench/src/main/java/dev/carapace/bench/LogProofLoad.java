package dev.carapace.bench;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.hub.log.JdbcLogStorage;
import dev.carapace.hub.log.LogSequencer;
import dev.carapace.hub.log.LogServer;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.SignedNote;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load tool: inclusion and consistency proofs generated (by the hub's log, from its database) and verified (as a
 * client does) per second, on a log of {@code ENTRIES} entries, with {@code THREADS} threads for {@code SECONDS}
 * each. Proofs are for random indexes and sizes, so the leaf-tile cache helps only as much as it would in service.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.LogProofLoad ENTRIES THREADS SECONDS [DB]}
 */
public final class LogProofLoad {
    private LogProofLoad() {}

    @FunctionalInterface
    private interface Op {
        void run(ThreadLocalRandom rnd) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        try (BenchDatabase bench = BenchDatabase.open(args.length > 3 ? args[3] : null);
             TransparencyLog log = new TransparencyLog(new JdbcLogStorage(bench.db), "bench/log", Ed25519KeyPair.generate(), List.of(),
                     Clock.systemUTC())) {
            long t0 = System.nanoTime();
            List<CompletableFuture<LogSequencer.Appended>> pending = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                pending.add(log.sequencer().append(("entry " + i).getBytes(), "bench"));
                if (pending.size() == 50_000) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
            System.out.printf("backend=%s built a log of %d entries in %.1f s%n", bench.db.dialect(), entries,
                    (System.nanoTime() - t0) / 1e9);
            LogServer server = log.server();
            Checkpoint cp = Checkpoint.parse(SignedNote.parse(server.latestCheckpoint()).text());
            long size = cp.size();
            List<byte[]> firstLeaves = server.leafHashes(0, 1);

            // Warm the subtree cache once, as a running hub has.
            server.inclusionProof(0, size);
            measure("inclusion proofs generated", threads, seconds,
                    rnd -> server.inclusionProof(rnd.nextLong(size), size));
            measure("consistency proofs generated", threads, seconds,
                    rnd -> server.consistencyProof(1 + rnd.nextLong(size - 1), size));

            List<byte[]> proof0 = server.inclusionProof(0, size);
            long m = size / 3;
            byte[] olderRoot = Merkle.root(server.leafHashes(0, m));
            List<byte[]> cons = server.consistencyProof(m, size);
            measure("inclusion proofs verified (" + proof0.size() + " hashes)", threads, seconds,
                    rnd -> Merkle.verifyInclusion(0, size, firstLeaves.get(0), proof0, cp.root()));
            measure("consistency proofs verified (" + cons.size() + " hashes)", threads, seconds,
                    rnd -> Merkle.verifyConsistency(m, size, olderRoot, cp.root(), cons));
        }
    }

    private static void measure(String what, int threads, int seconds, Op op) throws Exception {
        LongAdder done = new LongAdder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(Thread.ofPlatform().start(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                try {
                    while (System.nanoTime() < end) {
                        op.run(rnd);
                        done.increment();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        System.out.printf("%s: %.0f/s on %d threads%n", what, done.sum() / (double) seconds, threads);
    }
}
