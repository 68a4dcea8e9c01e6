package dev.carapace.bench;

import dev.carapace.client.HubClient;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.client.tasks.TaskAgent;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.limits.RateLimiter;
import dev.carapace.tasks.Consensus;
import dev.carapace.tasks.RoomMessage;
import dev.carapace.tasks.Task;
import dev.carapace.tasks.TaskResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Load tool for tasks end to end: one requester and RESPONDERS subscribed responders (each its own ChatClient
 * installation and TaskAgent) against one hub on SQLite in a temporary folder, in this JVM. Each round: the requester
 * posts a task to a topic, every responder answers, the requester opens the room and adds them all, each responder
 * joins and says its answer in the room, 70% of the room votes for the first answer, the requester reads the votes,
 * the shared function finds consensus, and the requester publishes the outcome, which the hub appends to the
 * transparency log. Prints the wall time of each round and its median and maximum.
 *
 * <p>The identities are aged past their first day in the database, so they are ANONYMOUS, not NEW: NEW identities on
 * one address share one budget of posts and answers (docs/tasks.md), which a load from one address would exhaust.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.TaskLoad RESPONDERS ROUNDS}
 */
public final class TaskLoad {
    private TaskLoad() {}

    private record Party(ChatClient chat, TaskAgent agent, String id) {}

    public static void main(String[] args) throws Exception {
        int responders = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path data = Files.createTempDirectory("carapace-taskload");
        Hub hub = Hub.start(HubConfig.defaults(data.resolve("hub")).withPort(0)
                .withLimits(RateLimiter.Limits.uniform(Integer.MAX_VALUE / 2)).withMaxConnectionsPerAddress(0));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            HubClient http = new HubClient(hub.url());
            Party requester = party(http, data.resolve("requester"));
            List<Party> rs = all(pool, java.util.stream.IntStream.range(0, responders)
                    .mapToObj(i -> (Callable<Party>) () -> party(http, data.resolve("r" + i))).toList());
            hub.database().write(c -> c.createStatement().executeUpdate(
                    "UPDATE identities SET created_ms = created_ms - 172800000"));
            Thread.sleep(5_100); // the hub caches tiers for 5 s
            for (int round = 0; round < rounds; round++) {
                String topic = "load-" + round;
                all(pool, rs.stream().map(p -> (Callable<Boolean>) () -> p.agent().hub().subscribe(topic)).toList());
            }
            long[] millis = new long[rounds];
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                Task task = requester.agent().post("load-" + round, List.of(), new Task.Body("What is 6*7?", null),
                        null, 1, System.currentTimeMillis() + 60_000, new Task.RoomRules(60_000, responders, 60,
                                16 * 1024));
                List<TaskResponse> answers = all(pool, rs.stream().map(p -> (Callable<TaskResponse>) () ->
                        p.agent().answer(task.id(), new TaskResponse.Content("42", null, null))).toList());
                requester.agent().pump(); // opens the room, adds every responder in one commit
                all(pool, rs.stream().map(p -> (Callable<TaskAgent.Progress>) () -> p.agent().pump()).toList());
                int voters = (int) Math.ceil(responders * 0.7);
                all(pool, rs.subList(0, voters).stream().map(p -> (Callable<RoomMessage>) () -> p.agent().discuss(
                        task.id(), RoomMessage.Kind.VOTE, List.of(answers.get(0).id()), null)).toList());
                Consensus.Verdict v = null;
                for (int tries = 0; tries < 50; tries++) {
                    requester.agent().pump();
                    v = requester.agent().verdict(task.id());
                    if (v.result() == Consensus.Result.CONSENSUS) {
                        break;
                    }
                }
                if (v == null || v.result() != Consensus.Result.CONSENSUS) {
                    throw new IllegalStateException("no consensus in round " + round + ": " + v);
                }
                TaskAgent.Closed closed = requester.agent().close(task.id(), List.of(), List.of());
                millis[round] = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("round %d: %d ms (consensus %d/%d, log index %s)%n", round, millis[round],
                        v.tally().get(answers.get(0).id()), v.members(), closed.logIndex());
            }
            long[] sorted = millis.clone();
            Arrays.sort(sorted);
            System.out.printf("%d responders, %d rounds: median %d ms, max %d ms (post to logged outcome)%n",
                    responders, rounds, sorted[rounds / 2], sorted[rounds - 1]);
        } finally {
            pool.shutdownNow();
            hub.close();
        }
    }

    private static Party party(HubClient http, Path dir) throws Exception {
        Ed25519KeyPair k = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k, Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        http.register(log, k);
        byte[] storageKey = Bytes.random(32);
        ChatClient chat = ChatClient.open(http, log, k, dir.resolve("chat"), storageKey);
        chat.publishKeyPackages();
        return new Party(chat, new TaskAgent(http, chat, log, k, dir.resolve("tasks"), storageKey),
                log.id().toString());
    }

    private static <T> List<T> all(ExecutorService pool, List<Callable<T>> calls) throws Exception {
        List<Future<T>> fs = new ArrayList<>();
        for (Callable<T> c : calls) {
            fs.add(pool.submit(c));
        }
        List<T> out = new ArrayList<>();
        for (Future<T> f : fs) {
            out.add(f.get());
        }
        return out;
    }
}
