package dev.carapace.bench;

import dev.carapace.client.HubClient;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load tool for end-to-end encrypted messaging: AGENTS agents (one installation each) in groups of 10, every one
 * connected (a push WebSocket open) and each sending one message every INTERVAL_MS. The hub runs in its
 * own JVM (SQLite in a temporary folder), so its CPU time is measured alone. Prints messages accepted per second,
 * end-to-end latency (send call to decryption by a recipient) p50/p99, and the hub's CPU use.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.ChatLoad AGENTS SECONDS INTERVAL_MS}
 */
public final class ChatLoad {
    static final int GROUP_SIZE = 10;

    private ChatLoad() {}

    /** The hub side: started as a child JVM by {@link #main}. */
    public static final class HubMain {
        private HubMain() {}

        public static void main(String[] args) throws Exception {
            int lots = Integer.MAX_VALUE / 2;
            Hub hub = Hub.start(HubConfig.defaults(Path.of(args[0])).withPort(0).withLimits(new RateLimiter.Limits(
                    lots, Map.of(RateLimiter.Tier.NEW, lots, RateLimiter.Tier.ANONYMOUS, lots,
                            RateLimiter.Tier.VERIFIED, lots, RateLimiter.Tier.TRUSTED, lots)))
                    // The agents stand for clients on many addresses; here they share loopback: no per-address cap.
                    .withMaxConnectionsPerAddress(0));
            System.out.println("URL " + hub.url());
            System.out.flush();
            hub.join();
        }
    }

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int intervalMs = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        if (agents % GROUP_SIZE != 0) {
            throw new IllegalArgumentException("AGENTS must be a multiple of " + GROUP_SIZE);
        }
        Path data = Files.createTempDirectory("carapace-chatload");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process hubProcess = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), HubMain.class.getName(), data.resolve("hub").toString())
                .redirectErrorStream(true).start();
        try {
            URI url = urlOf(hubProcess);
            HubClient http = new HubClient(url);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            // Setup a few at a time, so that setup requests do not time out on a busy machine.
            Semaphore setup = new Semaphore(16);
            List<Future<ChatClient>> made = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                Path state = data.resolve("agent" + i);
                made.add(pool.submit(() -> bounded(setup, () -> newAgent(http, state))));
            }
            List<ChatClient> clients = new ArrayList<>();
            for (Future<ChatClient> f : made) {
                clients.add(f.get());
            }
            List<List<ChatClient>> groups = new ArrayList<>();
            List<Future<String>> created = new ArrayList<>();
            for (int g = 0; g < agents / GROUP_SIZE; g++) {
                List<ChatClient> members = clients.subList(g * GROUP_SIZE, (g + 1) * GROUP_SIZE);
                groups.add(members);
                created.add(pool.submit(() -> bounded(setup, () -> newGroup(members))));
            }
            List<String> groupIds = new ArrayList<>();
            for (Future<String> f : created) {
                groupIds.add(f.get());
            }
            System.out.printf("hub %s: %d agents in %d groups of %d; warming up%n", url, agents, groups.size(),
                    GROUP_SIZE);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean measuring = new AtomicBoolean();
            AtomicLong accepted = new AtomicLong();
            AtomicLong sendErrors = new AtomicLong();
            AtomicLong delivered = new AtomicLong();
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            List<Future<?>> loops = new ArrayList<>();
            for (int g = 0; g < groups.size(); g++) {
                String gid = groupIds.get(g);
                for (ChatClient c : groups.get(g)) {
                    loops.add(pool.submit(() -> {
                        // Connected: a push socket per agent; each push triggers one fetch of the inbox.
                        Semaphore pushed = new Semaphore(0);
                        WebSocket ws = bounded(setup, () -> c.openPush(pushed::release));
                        while (!stop.get()) {
                            try {
                                pushed.tryAcquire(5, TimeUnit.SECONDS);
                                pushed.drainPermits();
                                for (ChatClient.ChatMessage m : c.sync().received()) {
                                    int at = m.text().indexOf(' ');
                                    long sent = Long.parseLong(at < 0 ? m.text() : m.text().substring(0, at));
                                    if (measuring.get()) {
                                        latencies.add(System.nanoTime() - sent);
                                        delivered.incrementAndGet();
                                    }
                                }
                            } catch (Exception e) {
                                if (!stop.get()) {
                                    sendErrors.incrementAndGet();
                                }
                            }
                        }
                        ws.abort();
                        return null;
                    }));
                    loops.add(pool.submit(() -> {
                        // Spread the senders over the interval so the load is steady.
                        Thread.sleep((long) (Math.random() * intervalMs));
                        while (!stop.get()) {
                            long t0 = System.nanoTime();
                            try {
                                c.send(gid, t0 + " load message");
                                if (measuring.get()) {
                                    accepted.incrementAndGet();
                                }
                            } catch (Exception e) {
                                sendErrors.incrementAndGet();
                            }
                            long left = intervalMs - (System.nanoTime() - t0) / 1_000_000;
                            if (left > 0) {
                                Thread.sleep(left);
                            }
                        }
                        return null;
                    }));
                }
            }
            Thread.sleep(5000);
            latencies.clear();
            measuring.set(true);
            Duration cpu0 = hubProcess.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
            Duration own0 = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            measuring.set(false);
            double wall = (System.nanoTime() - t0) / 1e9;
            Duration cpu1 = hubProcess.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
            Duration own1 = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
            stop.set(true);
            long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("agents=%d groups=%d interval=%d ms seconds=%d accepted=%.0f msg/s deliveries=%.0f/s"
                            + " e2e p50=%.1f ms p99=%.1f ms hub CPU=%.2f cores (%.0f%% of %d) clients CPU=%.2f cores"
                            + " errors=%d%n",
                    agents, groups.size(), intervalMs, seconds, accepted.get() / wall, delivered.get() / wall,
                    pct(lat, 0.50) / 1e6, pct(lat, 0.99) / 1e6, (cpu1.toNanos() - cpu0.toNanos()) / 1e9 / wall,
                    100.0 * (cpu1.toNanos() - cpu0.toNanos()) / 1e9 / wall / Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().availableProcessors(), (own1.toNanos() - own0.toNanos()) / 1e9 / wall,
                    sendErrors.get());
            pool.shutdownNow();
        } finally {
            hubProcess.destroyForcibly();
        }
        System.exit(0);
    }

    private static <T> T bounded(Semaphore permits, Callable<T> task) throws Exception {
        permits.acquire();
        try {
            return task.call();
        } finally {
            permits.release();
        }
    }

    /** A registered agent with one installation and its KeyPackages on the hub. */
    private static ChatClient newAgent(HubClient http, Path state) throws Exception {
        Ed25519KeyPair k = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k, Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        http.register(log, k);
        ChatClient c = ChatClient.open(http, log, k, state, Bytes.random(32));
        c.publishKeyPackages();
        return c;
    }

    /** The first member creates the group and invites the others; everyone joins and allows everyone. */
    private static String newGroup(List<ChatClient> members) throws Exception {
        String id = members.get(0).createGroup("load");
        members.get(0).invite(id, members.subList(1, members.size()).stream().map(ChatClient::agentId).toList());
        for (ChatClient m : members) {
            m.sync();
            for (ChatClient other : members) {
                if (other != m) {
                    m.allow(other.agentId());
                }
            }
        }
        return id;
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }

    private static URI urlOf(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("URL ")) {
                Thread.ofVirtual().start(() -> {
                    try {
                        while (r.readLine() != null) {
                            // keep the pipe drained
                        }
                    } catch (Exception e) {
                        // gone
                    }
                });
                return URI.create(line.substring(4));
            }
        }
        throw new IllegalStateException("the hub process did not start");
    }
}
