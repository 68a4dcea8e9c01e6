package dev.carapace.client.reputation;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.LogMonitor;
import dev.carapace.client.LogVerificationException;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.reputation.LogFacts;
import dev.carapace.reputation.Parameters;
import dev.carapace.reputation.Reputation;
import dev.carapace.reputation.Scores;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/** Reads a hub's reputation scores and checks them against its log. */
public final class ReputationClient {
    /** Times the pages are read again when the hub recomputed its scores while they were being read. */
    static final int MAX_SNAPSHOT_ATTEMPTS = 3;
    /** Served scores dated this far past the client's clock are evidence in themselves. */
    static final long MAX_FUTURE_MS = 5 * 60 * 1000;

    private final HubClient hub;

    public ReputationClient(HubClient hub) {
        this.hub = hub;
    }

    /** One identity's score as the hub serves it (unverified). */
    public JsonNode show(String id) throws IOException, HubException {
        return hub.send("GET", "/v1/reputation/" + id, null, null);
    }

    /** Every score the hub serves, from one computation: its log size, time, parameters and trust by identity. */
    public record Served(long logSize, long asOfMs, Parameters parameters, Map<String, Long> trust) {}

    public Served served() throws IOException, HubException {
        for (int attempt = 0; attempt < MAX_SNAPSHOT_ATTEMPTS; attempt++) {
            JsonNode summary = hub.send("GET", "/v1/reputation", null, null);
            long size = summary.path("logSize").asLong(-1);
            long asOf = summary.path("asOfMs").asLong(-1);
            long pages = summary.path("pages").asLong(-1);
            Parameters params;
            try {
                params = Parameters.fromJson(summary.get("parameters"));
            } catch (CryptoException e) {
                throw new HubException(200, "bad_response", "the hub's reputation parameters: " + e.getMessage());
            }
            if (size < 0 || asOf < 0 || pages < 0 || pages > 1_000_000) {
                throw new HubException(200, "bad_response", "the hub's reputation summary is malformed");
            }
            Map<String, Long> trust = new TreeMap<>();
            boolean same = true;
            for (long p = 0; p < pages && same; p++) {
                JsonNode page = hub.send("GET", "/v1/reputation/scores/" + p, null, null);
                same = page.path("logSize").asLong(-1) == size && page.path("asOfMs").asLong(-1) == asOf;
                for (JsonNode e : page.path("scores")) {
                    String id = e.path("id").asString("");
                    long t = e.path("trust").asLong(-1);
                    if (id.isEmpty() || t < 0 || trust.put(id, t) != null) {
                        throw new HubException(200, "bad_response", "a served score is malformed or repeated: " + id);
                    }
                }
            }
            if (same) {
                return new Served(size, asOf, params, trust);
            }
        }
        throw new HubException(200, "unstable", "the hub recomputed its scores while they were read; try again");
    }

    /** A served score the log does not support, or a computed one the hub does not serve. */
    public record Difference(String id, Long served, long computed, Scores.Explanation explanation) {}

    /** The outcome of {@link #verify}: what was checked and every difference found. */
    public record Verification(Served served, long checkpointSize, int identities, List<String> problems,
                               List<Difference> differences) {
        public boolean ok() {
            return problems.isEmpty() && differences.isEmpty();
        }
    }

    /**
     * Rebuilds every score from the log's entries (downloaded and hashed against a verified checkpoint) with the
     * parameters, log size and time the hub declares, and compares each with what it serves. {@code expectedSeeds},
     * when not empty, are the seeds the caller expects the hub to use.
     */
    public Verification verify(LogMonitor monitor, List<String> expectedSeeds, long nowMs)
            throws IOException, HubException, LogVerificationException {
        Served served = served();
        List<String> problems = new ArrayList<>();
        if (served.asOfMs() > nowMs + MAX_FUTURE_MS) {
            problems.add("the scores are dated " + served.asOfMs() + ", in the future of this client's clock ("
                    + nowMs + ")");
        }
        if (!expectedSeeds.isEmpty() && !new TreeSet<>(expectedSeeds).equals(new TreeSet<>(served.parameters().seeds()))) {
            problems.add("the hub uses the trust seeds " + served.parameters().seeds() + ", not " + new TreeSet<>(expectedSeeds));
        }
        LogMonitor.Step log = monitor.all(served.logSize());
        LogFacts facts = new LogFacts();
        for (LogMonitor.Entry e : log.entries()) {
            if (e.index() >= served.logSize()) {
                break;
            }
            facts.accept(e.index(), e.bytes());
        }
        Scores mine = Reputation.compute(facts, served.parameters(), served.asOfMs());
        Map<String, Long> computed = mine.all();
        List<Difference> diffs = new ArrayList<>();
        TreeSet<String> ids = new TreeSet<>(computed.keySet());
        ids.addAll(served.trust().keySet());
        for (String id : ids) {
            Long s = served.trust().get(id);
            long c = computed.getOrDefault(id, 0L);
            if (s == null || s != c) {
                diffs.add(new Difference(id, s, c, mine.explain(id)));
            }
        }
        return new Verification(served, log.checkpoint().size(), computed.size(), List.copyOf(problems),
                List.copyOf(diffs));
    }

    /** The verification as JSON, for {@code --json}. */
    public static tools.jackson.databind.node.ObjectNode toJson(Verification v) {
        var o = Json.object();
        o.put("ok", v.ok());
        o.put("logSize", v.served().logSize());
        o.put("asOfMs", v.served().asOfMs());
        o.put("checkpointSize", v.checkpointSize());
        o.set("parameters", v.served().parameters().toJson());
        o.put("identities", v.identities());
        v.problems().forEach(o.putArray("problems")::add);
        var arr = o.putArray("differences");
        for (Difference d : v.differences()) {
            var x = arr.addObject();
            x.put("id", d.id());
            if (d.served() == null) {
                x.putNull("served");
            } else {
                x.put("served", d.served());
            }
            x.put("computed", d.computed());
            x.set("explanation", d.explanation().toJson());
        }
        return o;
    }
}
