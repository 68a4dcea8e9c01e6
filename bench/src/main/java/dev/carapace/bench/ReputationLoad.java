package dev.carapace.bench;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.reputation.LogFacts;
import dev.carapace.reputation.Parameters;
import dev.carapace.reputation.Reputation;
import dev.carapace.reputation.Scores;
import dev.carapace.tasks.TaskOutcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Load tool: the reputation function on a synthetic log of {@code IDENTITIES} registered identities and
 * {@code OUTCOMES} signed task outcomes of {@code RATINGS} ratings each (so OUTCOMES x RATINGS interactions), ten of
 * the identities seeds. Reports the time to read and verify every entry, a full recomputation (median of five), and
 * the incremental cost of one new outcome (reading it, then recomputing), median of twenty.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.carapace.bench.ReputationLoad IDENTITIES OUTCOMES RATINGS}
 */
public final class ReputationLoad {
    private ReputationLoad() {}

    private record Id(KeyEventLog log, Ed25519KeyPair key) {}

    public static void main(String[] args) throws Exception {
        int identities = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int outcomes = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int ratings = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        long now = System.currentTimeMillis();
        long t0 = System.nanoTime();
        Id[] ids = IntStream.range(0, identities).parallel().mapToObj(i -> {
            Ed25519KeyPair key = Ed25519KeyPair.generate();
            return new Id(KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(), now - 1000), key);
        }).toArray(Id[]::new);
        List<byte[]> entries = new ArrayList<>(identities + outcomes);
        for (Id id : ids) {
            entries.add(CanonicalJson.encode(id.log().events().get(0).toJson()));
        }
        byte[][] statements = IntStream.range(0, outcomes).parallel().mapToObj(k -> outcome(ids, k, ratings, now,
                new SplittableRandom(k))).toArray(byte[][]::new);
        entries.addAll(Arrays.asList(statements));
        System.out.printf("generated %d entries (%d identities, %d outcomes x %d ratings) in %.1f s%n",
                entries.size(), identities, outcomes, ratings, (System.nanoTime() - t0) / 1e9);

        t0 = System.nanoTime();
        LogFacts facts = new LogFacts();
        for (int i = 0; i < entries.size(); i++) {
            facts.accept(i, entries.get(i));
        }
        System.out.printf("read and verified every entry: %.1f s (%d interactions)%n",
                (System.nanoTime() - t0) / 1e9, facts.interactions().size());

        List<String> seeds = IntStream.range(0, 10).mapToObj(i -> ids[i].log().id().toString()).toList();
        Parameters p = Parameters.defaults(seeds);
        long[] full = new long[5];
        Scores s = null;
        for (int r = 0; r < full.length; r++) {
            long t = System.nanoTime();
            s = Reputation.compute(facts, p, now);
            full[r] = System.nanoTime() - t;
        }
        Arrays.sort(full);
        System.out.printf("full recomputation: median %.0f ms (min %.0f, max %.0f); %d identities scored%n",
                full[2] / 1e6, full[0] / 1e6, full[4] / 1e6, s.all().size());

        long[] inc = new long[20];
        SplittableRandom rnd = new SplittableRandom(42);
        for (int r = 0; r < inc.length; r++) {
            byte[] next = outcome(ids, outcomes + r, ratings, now, rnd);
            long t = System.nanoTime();
            facts.accept(facts.size(), next);
            Reputation.compute(facts, p, now);
            inc[r] = System.nanoTime() - t;
        }
        Arrays.sort(inc);
        System.out.printf("one new outcome, read and recomputed: median %.0f ms (min %.0f, max %.0f)%n",
                inc[10] / 1e6, inc[0] / 1e6, inc[19] / 1e6);
    }

    /** A statement id as the tasks protocol forms them (base64url SHA-256), here of a name. */
    private static String statementId(String name) {
        return Bytes.b64url(Bytes.sha256(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Outcome {@code k}: a requester rates {@code ratings} others, nine in ten good. */
    private static byte[] outcome(Id[] ids, int k, int ratings, long now, SplittableRandom rnd) {
        Id requester = ids[rnd.nextInt(ids.length)];
        ObjectNode o = Json.object();
        o.put("v", TaskOutcome.VERSION);
        o.put("task", statementId("task-" + k));
        o.put("requester", requester.log().id().toString());
        o.put("result", "consensus");
        o.putArray("accepted").add(statementId("response-" + k));
        ArrayNode rs = o.putArray("ratings");
        java.util.Set<Integer> picked = new java.util.HashSet<>();
        while (picked.size() < ratings) {
            int j = rnd.nextInt(ids.length);
            if (ids[j] != requester && picked.add(j)) {
                rs.addObject().put("agent", ids[j].log().id().toString()).put("rating",
                        rnd.nextInt(10) == 0 ? "bad" : "good");
            }
        }
        o.put("ts", now - rnd.nextLong(180L * 24 * 60 * 60 * 1000));
        try {
            return Dsse.sign(TaskOutcome.PAYLOAD_TYPE, CanonicalJson.encode(o),
                    requester.log().currentKeyId(), requester.key()).toBytes();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
