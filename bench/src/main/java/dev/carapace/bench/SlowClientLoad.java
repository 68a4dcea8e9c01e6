package dev.carapace.bench;

import dev.carapace.client.HubClient;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load tool: slow request bodies against an in-process hub on loopback, and what other clients see meanwhile.
 * {@code SLOW} connections from 127.0.0.2 each declare a 100 kB body and send it one byte every 5 s; a connection
 * the hub closes is opened again after 1 s, so the attacker keeps trying to hold {@code SLOW} open. Meanwhile, from
 * 127.0.0.1, one client loops {@code GET /healthz} and {@code AGENTS} agents loop signed
 * {@code GET /v1/agents/{id}/owner}; each request has a 10 s timeout, counted as an error. Prints p50 and p99 for
 * both, the errors, how many slow connections were opened and the most open at once (as the attacker sees them:
 * a connection the hub closed counts until the attacker reads the close). Stops by itself after {@code SECONDS}.
 * Loopback only: the hub is started here, on 127.0.0.1.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.SlowClientLoad SLOW SECONDS [AGENTS]}
 */
public final class SlowClientLoad {
    private static final int MAX_SLOW = 5_000;
    private static final int MAX_SECONDS = 600;

    private SlowClientLoad() {}

    public static void main(String[] args) throws Exception {
        int slow = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int agents = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        if (slow < 0 || slow > MAX_SLOW || seconds < 1 || seconds > MAX_SECONDS || agents < 1 || agents > 256) {
            throw new IllegalArgumentException("SLOW 0.." + MAX_SLOW + ", SECONDS 1.." + MAX_SECONDS
                    + ", AGENTS 1..256");
        }
        Path data = Files.createTempDirectory("carapace-slowload");
        RateLimiter.Limits unlimited = RateLimiter.Limits.uniform(Integer.MAX_VALUE / 2);
        try (Hub hub = Hub.start(HubConfig.defaults(data).withPort(0).withLimits(unlimited))) {
            HubClient client = new HubClient(hub.url());
            List<Signer> signers = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                Ed25519KeyPair k = Ed25519KeyPair.generate();
                KeyEventLog log = KeyEventLog.incept("agent", k, Ed25519KeyPair.generate().publicKey(),
                        System.currentTimeMillis());
                client.register(log, k);
                signers.add(Signer.current(log, k));
                ids.add(log.id().toString());
            }
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            AtomicLong openNow = new AtomicLong();
            AtomicLong opened = new AtomicLong();
            List<Thread> attackers = new ArrayList<>();
            for (int i = 0; i < slow; i++) {
                attackers.add(Thread.ofVirtual().start(() -> slowBodies(hub.port(), end, openNow, opened)));
            }
            Thread.sleep(2_000); // let the slow connections pile up before measuring
            long[] peak = {0};
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    peak[0] = Math.max(peak[0], openNow.get());
                    pause(100);
                }
            });
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            URI health = hub.url().resolve("/healthz");
            Recorder healthz = new Recorder();
            Thread h = Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = plain.send(HttpRequest.newBuilder(health)
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
                        healthz.record(System.nanoTime() - t0, r.statusCode() == 200);
                    } catch (IOException | InterruptedException e) {
                        healthz.record(System.nanoTime() - t0, false);
                    }
                    pause(20);
                }
            });
            List<Recorder> signed = new ArrayList<>();
            List<Thread> agentThreads = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                Recorder rec = new Recorder();
                signed.add(rec);
                int a = i;
                agentThreads.add(Thread.ofVirtual().start(() -> {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        try {
                            var r = client.sendRaw("GET", "/v1/agents/" + ids.get(a) + "/owner", new byte[0],
                                    signers.get(a), Map.of());
                            rec.record(System.nanoTime() - t0, r.statusCode() == 404);
                        } catch (IOException e) {
                            rec.record(System.nanoTime() - t0, false);
                        }
                        pause(20);
                    }
                }));
            }
            h.join();
            sampler.join();
            for (Thread t : agentThreads) {
                t.join();
            }
            for (Thread t : attackers) {
                t.join();
            }
            Recorder all = Recorder.merge(signed);
            System.out.printf("slow=%d seconds=%d agents=%d slow-connections-opened=%d peak-open=%d%n",
                    slow, seconds, agents, opened.get(), peak[0]);
            System.out.println("healthz: " + healthz.summary());
            System.out.println("signed:  " + all.summary());
        }
    }

    /** One attacker: holds a connection declaring a 100 kB body, a byte per 5 s, and reopens it when closed. */
    private static void slowBodies(int port, long end, AtomicLong openNow, AtomicLong opened) {
        while (System.nanoTime() < end) {
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress("127.0.0.2", 0));
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                opened.incrementAndGet();
                openNow.incrementAndGet();
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /v1/key-packages HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type:"
                            + " application/json\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    s.setSoTimeout(5_000);
                    while (System.nanoTime() < end) {
                        out.write('x');
                        out.flush();
                        try {
                            if (s.getInputStream().read() < 0) {
                                break; // closed by the hub
                            }
                            break; // answered (e.g. 408): the hub is done with it
                        } catch (java.net.SocketTimeoutException stillOpen) {
                            // five seconds passed: send the next byte
                        }
                    }
                } finally {
                    openNow.decrementAndGet();
                }
            } catch (IOException e) {
                // refused or reset: try again below
            }
            pause(1_000);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Latencies and errors of one kind of request. */
    private static final class Recorder {
        private long[] lat = new long[1024];
        private int n;
        private long errors;

        synchronized void record(long nanos, boolean ok) {
            if (!ok) {
                errors++;
            }
            if (n == lat.length) {
                lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = nanos;
        }

        static Recorder merge(List<Recorder> rs) {
            Recorder m = new Recorder();
            for (Recorder r : rs) {
                synchronized (r) {
                    for (int i = 0; i < r.n; i++) {
                        m.record(r.lat[i], true);
                    }
                    m.errors += r.errors;
                }
            }
            return m;
        }

        synchronized String summary() {
            long[] sorted = Arrays.copyOf(lat, n);
            Arrays.sort(sorted);
            return String.format("requests=%d errors=%d p50=%.2f ms p99=%.2f ms max=%.2f ms", n, errors,
                    pct(sorted, 0.50) / 1e6, pct(sorted, 0.99) / 1e6, n == 0 ? 0 : sorted[n - 1] / 1e6);
        }

        private static double pct(long[] sorted, double p) {
            return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
        }
    }
}
