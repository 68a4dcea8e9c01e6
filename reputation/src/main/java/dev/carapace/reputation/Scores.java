package dev.carapace.reputation;

import dev.carapace.crypto.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The result of {@link Reputation#compute}: each identity's trust (its principal's, in units of which the seeds hand
 * out {@link Reputation#SCALE}), its score in parts per billion of all seeded trust, its standing, and on request the
 * explanation of a score with the log indexes behind it.
 */
public final class Scores {
    public static final long PPB = 1_000_000_000L;
    /** Factors listed per explanation, largest first; the trust they sum to is always given in full. */
    public static final int MAX_FACTORS = 64;
    /** Log indexes listed per factor, latest first. */
    public static final int MAX_INDEXES = 32;

    private final Reputation.Graph g;
    private final int[] level;
    private final long[] received;
    private final long[] retained;

    Scores(Reputation.Graph g, int[] level, long[] received, long[] retained) {
        this.g = g;
        this.level = level;
        this.received = received;
        this.retained = retained;
    }

    public Parameters parameters() {
        return g.params;
    }

    /** The log size the scores were computed from. */
    public long logSize() {
        return g.logSize;
    }

    public long asOfMs() {
        return g.asOfMs;
    }

    /** The principal an identity counts as: its owner when it is linked to one, else itself. */
    public String principal(String id) {
        return g.principalOf(id);
    }

    /** An identity's trust: what its principal keeps of the trust reaching it, in units of SCALE. */
    public long trust(String id) {
        Integer i = g.principalIndex.get(g.principalOf(id));
        return i == null ? 0 : retained[i];
    }

    /** The score: trust in parts per billion of all the trust the seeds hand out, rounded down. */
    public long score(String id) {
        return trust(id) / (Reputation.SCALE / PPB);
    }

    /** Whether the score reaches the standing threshold of the parameters. */
    public boolean hasStanding(String id) {
        return score(id) >= g.params.standingPpb();
    }

    private Map<String, Long> all;

    /** Every identity with a positive trust, sorted by id, with its trust (computed once). */
    public synchronized Map<String, Long> all() {
        if (all == null) {
            all = java.util.Collections.unmodifiableMap(positive());
        }
        return all;
    }

    private TreeMap<String, Long> positive() {
        TreeMap<String, Long> out = new TreeMap<>();
        for (int i = 0; i < retained.length; i++) {
            if (retained[i] > 0) {
                out.put(g.principals.get(i), retained[i]);
            }
        }
        for (OwnerLink l : g.links.values()) {
            Long t = out.get(l.owner());
            if (t != null) {
                out.put(l.agent(), t);
            }
        }
        return out;
    }

    /** One factor of a score. */
    public record Factor(String kind, String from, long trust, List<Long> logIndexes, String text) {}

    /** A score with its factors. */
    public record Explanation(String id, String principal, long trust, long score, boolean standing, int level,
                              long received, List<Factor> factors) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("id", id);
            o.put("principal", principal);
            o.put("trust", trust);
            o.put("score", score);
            o.put("standing", standing);
            o.put("level", level);
            o.put("received", received);
            ArrayNode fs = o.putArray("factors");
            for (Factor f : factors) {
                ObjectNode fo = fs.addObject();
                fo.put("kind", f.kind());
                if (f.from() != null) {
                    fo.put("from", f.from());
                }
                fo.put("trust", f.trust());
                f.logIndexes().forEach(fo.putArray("logIndexes")::add);
                fo.put("text", f.text());
            }
            return o;
        }
    }

    public Explanation explain(String id) {
        String principal = g.principalOf(id);
        Integer pi = g.principalIndex.get(principal);
        List<Factor> factors = new ArrayList<>();
        List<Long> links = g.links.values().stream().filter(l -> l.owner().equals(principal))
                .map(OwnerLink::index).sorted().toList();
        if (!links.isEmpty()) {
            factors.add(new Factor("owner", principal, 0, cap(links), links.size() + " agent(s) linked to owner "
                    + principal + " count once together, as that owner"));
        }
        if (pi == null) {
            factors.add(new Factor("unreached", null, 0, List.of(), "no logged interaction of this identity counts"));
            return new Explanation(id, principal, 0, 0, false, -1, 0, factors);
        }
        int p = pi;
        if (level[p] == 0) {
            factors.add(new Factor("seed", principal, received[p], List.of(), "a trust seed of this hub: "
                    + received[p] + " of " + Reputation.SCALE + " units, shared equally among "
                    + g.params.seeds().size() + " seed(s)"));
        }
        List<Factor> inflows = new ArrayList<>();
        for (int i = 0; i < g.principals.size(); i++) {
            long e = g.edge(i, p);
            if (e < 0) {
                continue;
            }
            int ei = (int) e;
            List<Long> idx = new ArrayList<>();
            for (int k = g.runStart[ei + 1] - 1; k >= g.runStart[ei]; k--) {
                idx.add(g.interactions.get(g.sortedPositions[k]).index());
            }
            String who = g.principals.get(i);
            if (level[i] >= 0 && level[p] == level[i] + 1 && g.edgeCarried[ei] > 0) {
                long forward = received[i] * g.params.dampingPercent() / 100;
                long share = Reputation.mulDiv(forward, g.edgeCarried[ei], g.rated[i] * Reputation.W0);
                boolean halved = g.edgeCarried[ei] != g.edgeNet[ei];
                inflows.add(new Factor("inflow", who, share, cap(idx), idx.size() + " interaction(s) from " + who
                        + " (level " + level[i] + "), net decayed weight " + g.edgeNet[ei] + " of its "
                        + g.rated[i] + " x " + Reputation.W0 + (halved ? ", halved as reciprocated" : "")));
            } else {
                String why = g.edgeNet[ei] <= 0 ? "their net weight is not positive"
                        : level[i] < 0 ? "the rater is not reached from the seeds"
                        : "the rater is not one step closer to the seeds (trust never flows sideways or back)";
                inflows.add(new Factor("not-counted", who, 0, cap(idx), idx.size() + " interaction(s) from " + who
                        + " do not count: " + why));
            }
        }
        inflows.sort(Comparator.comparingLong(Factor::trust).reversed().thenComparing(Factor::from));
        factors.addAll(inflows.subList(0, Math.min(MAX_FACTORS, inflows.size())));
        if (inflows.size() > MAX_FACTORS) {
            factors.add(new Factor("more", null, 0, List.of(), (inflows.size() - MAX_FACTORS)
                    + " smaller factor(s) not listed"));
        }
        factors.add(new Factor("kept", principal, retained[p], List.of(), "keeps " + (100 - g.params.dampingPercent())
                + "% of the " + received[p] + " units reaching it and passes the rest on"));
        return new Explanation(id, principal, retained[p], retained[p] / (Reputation.SCALE / PPB),
                retained[p] / (Reputation.SCALE / PPB) >= g.params.standingPpb(), level[p], received[p],
                List.copyOf(factors));
    }

    private static List<Long> cap(List<Long> idx) {
        return List.copyOf(idx.subList(0, Math.min(MAX_INDEXES, idx.size())));
    }
}
