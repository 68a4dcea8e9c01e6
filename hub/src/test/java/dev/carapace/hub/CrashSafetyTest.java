package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Kills a hub process with SIGKILL while agents append to its log, restarts it on the same data, and checks that no
 * acknowledged entry was lost and that every checkpoint seen before the kill is consistent with the one after.
 */
class CrashSafetyTest {
    @TempDir
    Path data;

    private Process start() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), HubProcess.class.getName(), data.toString())
                .redirectErrorStream(true).start();
    }

    private static URI urlOf(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
            if (line.startsWith("URL ")) {
                Thread.ofVirtual().start(() -> {
                    try {
                        while (r.readLine() != null) {
                            // drain the child's output so it never blocks on a full pipe
                        }
                    } catch (Exception e) {
                        // the child is gone
                    }
                });
                return URI.create(line.substring(4));
            }
        }
        throw new AssertionError("the hub process did not start");
    }

    @Test
    void killNineLosesNoAcknowledgedEntry() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        KeyEventLog agent = KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        Map<Long, byte[]> acked = new ConcurrentHashMap<>();
        List<Checkpoint> seen = new ArrayList<>();
        boolean registered = false;
        // Three kills under load, then a last start that only checks what survived.
        for (int round = 0; round < 4; round++) {
            Process p = start();
            try {
                HubClient client = new HubClient(urlOf(p));
                if (!registered) {
                    client.register(agent, key);
                    registered = true;
                }
                NoteVerifier vkey = NoteVerifier.parse(client.wellKnown().get("log").get("vkey").asString());
                // Everything acknowledged before any earlier kill is still there, at its index.
                for (var e : acked.entrySet()) {
                    JsonNode stored = client.send("GET", "/v1/log/entries/" + e.getKey(), null, null);
                    assertThat(Bytes.fromB64(stored.get("entry").asString())).isEqualTo(e.getValue());
                }
                Checkpoint now = Checkpoint.open(client.checkpoint(), vkey);
                for (Checkpoint earlier : seen) {
                    if (earlier.size() > 0 && earlier.size() < now.size()) {
                        Merkle.verifyConsistency(earlier.size(), now.size(), earlier.root(), now.root(),
                                client.consistencyProof(earlier.size(), now.size()));
                    } else if (earlier.size() == now.size()) {
                        assertThat(earlier.root()).isEqualTo(now.root());
                    } else {
                        assertThat(earlier.size()).isLessThanOrEqualTo(now.size());
                    }
                }
                seen.add(now);
                if (round == 3) {
                    break;
                }

                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
                for (int w = 0; w < 16; w++) {
                    pool.submit(() -> {
                        var signer = dev.carapace.client.Signer.current(agent, key);
                        while (!stop.get()) {
                            Dsse.Envelope env = Dsse.sign("text/plain", Bytes.random(32), agent.currentKeyId(), key);
                            try {
                                JsonNode r = client.appendToLog(signer, env);
                                acked.put(r.get("index").asLong(), env.toBytes());
                                synchronized (seen) {
                                    seen.add(Checkpoint.open(r.get("checkpoint").asString(), vkey));
                                }
                            } catch (Exception e) {
                                return null; // the process was killed under us: not acknowledged, not counted
                            }
                        }
                        return null;
                    });
                }
                Thread.sleep(1500 + round * 500L);
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
                p.waitFor(30, TimeUnit.SECONDS);
                stop.set(true);
                pool.shutdown();
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } finally {
                p.destroyForcibly();
            }
        }
        assertThat(acked).hasSizeGreaterThan(50);
    }
}
