package dev.carapace.bench;

import dev.carapace.client.HubClient;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load tool: authenticated requests per second on a cheap signed endpoint ({@code GET /v1/agents/{id}/owner}) at a
 * given number of concurrent agents, each on its own virtual thread with its own key, against an in-process hub on
 * SQLite (loopback HTTP). Prints throughput, p50 and p99, and, in the same run, raw BouncyCastle verifications per
 * second on the same cores for comparison.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.AuthLoad AGENTS SECONDS [postgresql://…]}
 */
public final class AuthLoad {
    private AuthLoad() {}

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        String db = args.length > 2 ? args[2] : null;
        Path data = Files.createTempDirectory("carapace-authload");
        RateLimiter.Limits unlimited = RateLimiter.Limits.uniform(Integer.MAX_VALUE / 2);
        // The agents stand for clients on many addresses; here they share loopback, so the per-address cap is off.
        try (Hub hub = Hub.start(HubConfig.defaults(data).withPort(0).withDb(db).withLimits(unlimited)
                .withMaxConnectionsPerAddress(0))) {
            HubClient client = new HubClient(hub.url());
            Ed25519KeyPair ownerKey = Ed25519KeyPair.generate();
            KeyEventLog owner = KeyEventLog.incept("owner", ownerKey, Ed25519KeyPair.generate().publicKey(),
                    System.currentTimeMillis());
            client.registerOwner(owner, ownerKey, "load@example.org", "Load");
            Signer ownerSigner = Signer.current(owner, ownerKey);
            List<Signer> signers = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                Ed25519KeyPair k = Ed25519KeyPair.generate();
                KeyEventLog log = KeyEventLog.incept("agent", k, Ed25519KeyPair.generate().publicKey(),
                        System.currentTimeMillis());
                client.register(log, k);
                client.link(ownerSigner, owner.id().toString(), HubClient.linkConsent(log, k, owner.id().toString()));
                signers.add(Signer.current(log, k));
                ids.add(log.id().toString());
            }
            System.out.printf("hub %s, %d agents registered and linked; warming up%n", hub.url(), agents);
            run(client, signers, ids, 5);
            long[] lat = run(client, signers, ids, seconds);
            long errors = lat[lat.length - 1];
            long[] sorted = Arrays.copyOf(lat, lat.length - 1);
            Arrays.sort(sorted);
            double rps = sorted.length / (double) seconds;
            System.out.printf("agents=%d requests=%d errors=%d throughput=%.0f req/s p50=%.2f ms p99=%.2f ms%n",
                    agents, sorted.length, errors, rps, pct(sorted, 0.50) / 1e6, pct(sorted, 0.99) / 1e6);
        }
        System.out.printf("raw BouncyCastle Ed25519 verify on this machine, %d threads: %.0f verifications/s%n",
                Runtime.getRuntime().availableProcessors(), rawVerifies(5));
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }

    /** Each agent loops signed GETs for {@code seconds}; returns all latencies, plus the error count last. */
    private static long[] run(HubClient client, List<Signer> signers, List<String> ids, int seconds)
            throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<long[]> perAgent = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(signers.size());
        for (int i = 0; i < signers.size(); i++) {
            long[][] holder = new long[1][];
            int agent = i;
            perAgent.add(null);
            int slot = i;
            Thread.ofVirtual().start(() -> {
                long[] buf = new long[1024];
                int n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        var r = client.sendRaw("GET", "/v1/agents/" + ids.get(agent) + "/owner", new byte[0],
                                signers.get(agent), Map.of());
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        continue;
                    }
                    if (n == buf.length) {
                        buf = Arrays.copyOf(buf, n * 2);
                    }
                    buf[n++] = System.nanoTime() - t0;
                }
                holder[0] = Arrays.copyOf(buf, n);
                synchronized (perAgent) {
                    perAgent.set(slot, holder[0]);
                }
                done.countDown();
            });
        }
        done.await();
        int total = perAgent.stream().mapToInt(a -> a.length).sum();
        long[] all = new long[total + 1];
        int p = 0;
        for (long[] a : perAgent) {
            System.arraycopy(a, 0, all, p, a.length);
            p += a.length;
        }
        all[total] = errors.get();
        return all;
    }

    private static double rawVerifies(int seconds) throws InterruptedException {
        int threads = Runtime.getRuntime().availableProcessors();
        Ed25519KeyPair k = Ed25519KeyPair.generate();
        byte[] msg = new byte[256];
        byte[] sig = k.sign(msg);
        AtomicLong count = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    if (k.publicKey().verify(msg, sig)) {
                        n++;
                    }
                }
                count.addAndGet(n);
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        return count.get() / (double) seconds;
    }
}
