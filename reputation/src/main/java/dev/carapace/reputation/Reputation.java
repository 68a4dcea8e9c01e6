package dev.carapace.reputation;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reputation function (docs/reputation.md): trust spreads from the operator's seeds along signed, logged
 * interactions, in the manner of personalised PageRank, but only along the shortest-path graph from the seeds (each
 * principal passes trust only to principals one step further from the seeds), so trust crosses each principal at
 * most once and no cycle, ring or clique can recirculate it. Every step is exact integer arithmetic: the result does
 * not depend on the order of summation, the platform or the language, and an independent reader that follows the
 * document gets the same numbers.
 */
public final class Reputation {
    /** All the trust the seeds hand out, in units; scores are parts of it. */
    public static final long SCALE = 1_000_000_000_000_000L;
    /** The weight of one fresh interaction. */
    static final long W0 = 1L << 20;
    /** A reciprocated edge (both principals judged each other favourably) carries half its weight. */
    static final long RECIPROCAL_DIVISOR = 2;

    private Reputation() {}

    /**
     * Scores of every principal from the facts of a log prefix, as of {@code asOfMs}: statements dated after it do
     * not count yet, and every interaction's weight decays with its age at that time.
     */
    public static Scores compute(LogFacts facts, Parameters p, long asOfMs) {
        Graph g = new Graph(facts, p, asOfMs);
        return g.flow();
    }

    /** An interaction's weight at an age: W0 halved per half-life, linear between the halvings, floored. */
    static long weight(long ageMs, long halfLifeMs) {
        long age = Math.max(0, ageMs);
        long halvings = age / halfLifeMs;
        if (halvings >= 62) {
            return 0;
        }
        long r = age % halfLifeMs;
        return (W0 * (2 * halfLifeMs - r) / (2 * halfLifeMs)) >> halvings;
    }

    /** floor(a * b / c) for non-negative a, b and positive c, exactly. */
    static long mulDiv(long a, long b, long c) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if (hi == 0 && lo >= 0) {
            return lo / c;
        }
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
    }

    /** The principal graph of one computation. */
    static final class Graph {
        /** What the scores need of the facts, copied: the facts go on growing while scores are served. */
        final long logSize;
        final List<Interaction> interactions;
        final Map<String, OwnerLink> links;
        final Parameters params;
        final long asOfMs;
        final Map<String, Integer> principalIndex = new HashMap<>();
        final List<String> principals = new ArrayList<>();
        /** Effective interactions: from, to (principal indexes), signed weight, position in facts.interactions(). */
        int[] from;
        int[] to;
        long[] signedWeight;
        int[] position;
        int count;
        /** Per principal: its effective interactions as a rater (the denominator of its shares). */
        long[] rated;
        /** CSR edges: principal i's edges are [edgeStart[i], edgeStart[i+1]), sorted by target. */
        int[] edgeStart;
        int[] edgeTo;
        long[] edgeNet;
        long[] edgeCarried;
        /** Each edge's interactions are sorted[runStart[e] .. runStart[e+1]) (positions in facts.interactions()). */
        int[] runStart;
        int[] sortedPositions;

        Graph(LogFacts facts, Parameters params, long asOfMs) {
            this.logSize = facts.size();
            this.interactions = List.copyOf(facts.interactions());
            this.links = Map.copyOf(facts.links());
            this.params = params;
            this.asOfMs = asOfMs;
            collect(facts.ticks());
            buildEdges();
        }

        String principalOf(String id) {
            OwnerLink l = links.get(id);
            return l == null ? id : l.owner();
        }

        int index(String principal) {
            Integer i = principalIndex.get(principal);
            if (i == null) {
                i = principals.size();
                principalIndex.put(principal, i);
                principals.add(principal);
            }
            return i;
        }

        /** Dates each interaction, drops those not yet effective or within one principal, and weighs the rest. */
        private void collect(List<LogFacts.Tick> ticks) {
            List<Interaction> all = interactions;
            int n = all.size();
            from = new int[n];
            to = new int[n];
            signedWeight = new long[n];
            position = new int[n];
            long clock = 0;
            int t = 0;
            for (int k = 0; k < n; k++) {
                Interaction in = all.get(k);
                while (t < ticks.size() && ticks.get(t).index() <= in.index()) {
                    long ms = ticks.get(t++).ms();
                    if (ms <= asOfMs) {
                        clock = Math.max(clock, ms);
                    }
                }
                long at = in.ownMs() >= 0 ? in.ownMs() : clock;
                if (at > asOfMs) {
                    continue; // dated in the future: not yet effective
                }
                int f = index(principalOf(in.from()));
                int d = index(principalOf(in.to()));
                if (f == d) {
                    continue; // one principal judging itself
                }
                from[count] = f;
                to[count] = d;
                signedWeight[count] = in.sign() * weight(asOfMs - at, params.halfLifeMs());
                position[count] = k;
                count++;
            }
            for (String seed : params.seeds()) {
                index(principalOf(seed));
            }
        }

        private void buildEdges() {
            int np = principals.size();
            rated = new long[np];
            int[] byFrom = new int[np + 1];
            for (int k = 0; k < count; k++) {
                rated[from[k]]++;
                byFrom[from[k] + 1]++;
            }
            for (int i = 0; i < np; i++) {
                byFrom[i + 1] += byFrom[i];
            }
            // Within each rater: (target << 32 | k), sorted, so runs of one target are contiguous.
            long[] keyed = new long[count];
            int[] fill = Arrays.copyOf(byFrom, np);
            for (int k = 0; k < count; k++) {
                keyed[fill[from[k]]++] = ((long) to[k] << 32) | k;
            }
            edgeStart = new int[np + 1];
            // At most one edge per interaction: sized for that, then trimmed.
            int[] tos = new int[count];
            long[] nets = new long[count];
            int[] runs = new int[count + 1];
            sortedPositions = new int[count];
            int ne = 0;
            int out = 0;
            for (int i = 0; i < np; i++) {
                Arrays.sort(keyed, byFrom[i], byFrom[i + 1]);
                edgeStart[i] = ne;
                int j = byFrom[i];
                while (j < byFrom[i + 1]) {
                    int target = (int) (keyed[j] >>> 32);
                    long net = 0;
                    runs[ne] = out;
                    while (j < byFrom[i + 1] && (int) (keyed[j] >>> 32) == target) {
                        int k = (int) keyed[j];
                        net += signedWeight[k];
                        sortedPositions[out++] = position[k];
                        j++;
                    }
                    tos[ne] = target;
                    nets[ne] = net;
                    ne++;
                }
            }
            edgeStart[np] = ne;
            runs[ne] = out;
            edgeTo = Arrays.copyOf(tos, ne);
            edgeNet = Arrays.copyOf(nets, ne);
            runStart = Arrays.copyOf(runs, ne + 1);
            edgeCarried = new long[ne];
            for (int i = 0; i < np; i++) {
                for (int e = edgeStart[i]; e < edgeStart[i + 1]; e++) {
                    long net = edgeNet[e];
                    if (net <= 0) {
                        continue;
                    }
                    long back = edge(edgeTo[e], i);
                    edgeCarried[e] = back >= 0 && edgeNet[(int) back] > 0 ? net / RECIPROCAL_DIVISOR : net;
                }
            }
        }

        /** The edge from a to b, or -1. */
        long edge(int a, int b) {
            int lo = edgeStart[a];
            int hi = edgeStart[a + 1] - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (edgeTo[mid] < b) {
                    lo = mid + 1;
                } else if (edgeTo[mid] > b) {
                    hi = mid - 1;
                } else {
                    return mid;
                }
            }
            return -1;
        }

        Scores flow() {
            int np = principals.size();
            int[] level = new int[np];
            Arrays.fill(level, -1);
            long[] received = new long[np];
            int[] queue = new int[np];
            int head = 0;
            int tail = 0;
            List<String> seedPrincipals = params.seeds().stream().map(this::principalOf).distinct().sorted().toList();
            long perSeed = seedPrincipals.isEmpty() ? 0 : SCALE / seedPrincipals.size();
            for (String s : seedPrincipals) {
                int i = principalIndex.get(s);
                level[i] = 0;
                received[i] = perSeed;
                queue[tail++] = i;
            }
            // Breadth first: every principal of level L is done before any of level L + 1, and trust only ever moves
            // from level L to level L + 1, so each principal's inflow is complete when it is reached.
            while (head < tail) {
                int i = queue[head++];
                long forward = received[i] * params.dampingPercent() / 100;
                long denominator = rated[i] * W0;
                for (int e = edgeStart[i]; e < edgeStart[i + 1]; e++) {
                    if (edgeCarried[e] <= 0) {
                        continue;
                    }
                    int j = edgeTo[e];
                    if (level[j] < 0) {
                        level[j] = level[i] + 1;
                        queue[tail++] = j;
                    }
                    if (level[j] == level[i] + 1) {
                        received[j] += mulDiv(forward, edgeCarried[e], denominator);
                    }
                }
            }
            long[] retained = new long[np];
            for (int i = 0; i < np; i++) {
                retained[i] = received[i] - received[i] * params.dampingPercent() / 100;
            }
            return new Scores(this, level, received, retained);
        }
    }
}
