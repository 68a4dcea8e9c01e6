package dev.carapace.bench;

import dev.carapace.client.HubClient;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.node.ObjectNode;

/**
 * Load tool for issue 13's pre-authentication attack: registration bodies carrying a long key event log. Against an
 * in-process hub on SQLite (rate limits off, so the hub's own cost shows), it measures the process CPU time one
 * request costs, sent one at a time, for an unsigned body carrying an {@code EVENTS}-event history and for a
 * registration signed by the history's own key (after a warm-up of each); then {@code /healthz} latency while {@code ATTACKERS} connections loop
 * the unsigned request.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.PreAuthLoad EVENTS ATTACKERS SECONDS}
 */
public final class PreAuthLoad {
    private PreAuthLoad() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 2_200;
        int attackers = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path data = Files.createTempDirectory("carapace-preauth");
        RateLimiter.Limits unlimited = RateLimiter.Limits.uniform(Integer.MAX_VALUE / 2);
        long ts = System.currentTimeMillis();
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Ed25519KeyPair next = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", key, next.publicKey(), ts);
        for (int i = 1; i < events; i++) {
            key = next;
            next = Ed25519KeyPair.generate();
            log = log.rotate(key, next.publicKey(), ts);
        }
        ObjectNode body = Json.object();
        body.set("identity", log.toJson());
        byte[] bytes = Json.compact(body).getBytes(StandardCharsets.UTF_8);
        Signer signer = Signer.current(log, key);
        try (Hub hub = Hub.start(HubConfig.defaults(data).withPort(0).withLimits(unlimited))) {
            HubClient client = new HubClient(hub.url());
            System.out.printf("hub %s; body: %d-event history, %d bytes%n", hub.url(), events, bytes.length);
            cost("warm-up, unsigned", client, bytes, null, 10);
            cost("warm-up, signed", client, bytes, signer, 10);
            double unsigned = cost("unsigned", client, bytes, null, 30);
            double signed = cost("signed by its own key", client, bytes, signer, 30);
            System.out.printf("per request: unsigned %.1f ms CPU, signed %.1f ms CPU%n", unsigned, signed);
            healthUnderAttack(client, bytes, attackers, seconds);
        }
    }

    /** Sends {@code n} requests one at a time; prints and returns the process CPU milliseconds per request. */
    private static double cost(String what, HubClient client, byte[] body, Signer signer, int n) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int status = client.sendRaw("POST", "/v1/identities", body, signer, Map.of()).statusCode();
            statuses.merge(status, 1, Integer::sum);
        }
        double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / n;
        double wallMs = (System.nanoTime() - t0) / 1e6 / n;
        System.out.printf("%s x%d: statuses %s, %.1f ms CPU and %.1f ms wall per request%n", what, n, statuses,
                cpuMs, wallMs);
        return cpuMs;
    }

    private static void healthUnderAttack(HubClient client, byte[] body, int attackers, int seconds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < attackers; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try {
                        client.sendRaw("POST", "/v1/identities", body, null, Map.of());
                    } catch (Exception e) {
                        // keep attacking
                    }
                }
            }));
        }
        Thread.sleep(2_000);
        long[] lat = new long[100_000];
        int n = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end && n < lat.length) {
            long t0 = System.nanoTime();
            client.sendRaw("GET", "/healthz", new byte[0], null, Map.of());
            lat[n++] = System.nanoTime() - t0;
            Thread.sleep(50);
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        long[] sorted = Arrays.copyOf(lat, n);
        Arrays.sort(sorted);
        System.out.printf("/healthz under %d looping unsigned attackers: %d probes, p50 %.1f ms, p99 %.1f ms%n",
                attackers, n, sorted[n / 2] / 1e6, sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e6);
    }
}
