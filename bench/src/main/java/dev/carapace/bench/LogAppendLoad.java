package dev.carapace.bench;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.hub.log.JdbcLogStorage;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.hub.store.Database;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Load tool: sustained durable appends per second through the hub's log sequencer, and the time from append to an
 * acknowledgement under a signed checkpoint. {@code CLIENTS} virtual threads each keep one append in flight.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.LogAppendLoad CLIENTS SECONDS [DB]}, DB
 * being {@code sqlite} (default), {@code postgres} (embedded) or a {@code postgresql://} URL.
 */
public final class LogAppendLoad {
    private LogAppendLoad() {}

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        try (BenchDatabase bench = BenchDatabase.open(args.length > 2 ? args[2] : null);
             TransparencyLog log = new TransparencyLog(new JdbcLogStorage(bench.db), "bench/log", Ed25519KeyPair.generate(), List.of(),
                     Clock.systemUTC())) {
            Database db = bench.db;
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<CompletableFuture<long[]>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int seed = c;
                workers.add(CompletableFuture.supplyAsync(() -> {
                    Random rnd = new Random(seed);
                    long[] lat = new long[4096];
                    int n = 0;
                    while (System.nanoTime() < end) {
                        byte[] entry = new byte[256];
                        rnd.nextBytes(entry);
                        long t0 = System.nanoTime();
                        log.sequencer().append(entry, "bench").join();
                        if (n == lat.length) {
                            lat = java.util.Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = System.nanoTime() - t0;
                    }
                    return java.util.Arrays.copyOf(lat, n);
                }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
            }
            List<Long> all = new ArrayList<>();
            for (var w : workers) {
                for (long l : w.get()) {
                    all.add(l);
                }
            }
            all.sort(null);
            System.out.printf("backend=%s clients=%d appends=%d throughput=%.0f appends/s ack p50=%.1f ms p99=%.1f ms%n",
                    db.dialect(), clients, all.size(), all.size() / (double) seconds,
                    all.get(all.size() / 2) / 1e6, all.get((int) (all.size() * 0.99)) / 1e6);
        }
    }
}
