package dev.carapace.reputation;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The parameters of the reputation function (docs/reputation.md); every reader must use the same ones to get the same
 * scores, so the hub publishes them beside its scores.
 *
 * @param seeds           the operator's trust seeds (identity ids), kept sorted and distinct
 * @param dampingPercent  the percentage of the trust reaching a principal that it passes on (the rest it keeps)
 * @param halfLifeMs      an interaction's weight halves every half-life
 * @param standingPpb     the score, in parts per billion of all seeded trust, from which an identity has standing
 */
public record Parameters(List<String> seeds, int dampingPercent, long halfLifeMs, long standingPpb) {
    public static final int DEFAULT_DAMPING_PERCENT = 85;
    public static final long DEFAULT_HALF_LIFE_MS = 90L * 24 * 60 * 60 * 1000;
    /** One millionth of all seeded trust. */
    public static final long DEFAULT_STANDING_PPB = 1_000;

    public Parameters {
        seeds = List.copyOf(new TreeSet<>(seeds));
        if (dampingPercent < 0 || dampingPercent > 99) {
            throw new IllegalArgumentException("damping is 0 to 99 percent");
        }
        if (halfLifeMs < 1 || halfLifeMs > (1L << 40)) {
            throw new IllegalArgumentException("the half-life is 1 ms to 2^40 ms");
        }
        if (standingPpb < 1 || standingPpb > Scores.PPB) {
            throw new IllegalArgumentException("the standing threshold is 1 to 10^9 ppb");
        }
    }

    public static Parameters defaults(List<String> seeds) {
        return new Parameters(seeds, DEFAULT_DAMPING_PERCENT, DEFAULT_HALF_LIFE_MS, DEFAULT_STANDING_PPB);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        seeds.forEach(o.putArray("seeds")::add);
        o.put("dampingPercent", dampingPercent);
        o.put("halfLifeMs", halfLifeMs);
        o.put("standingPpb", standingPpb);
        return o;
    }

    /** Reads parameters as a hub publishes them; ids must be canonical and values in range. */
    public static Parameters fromJson(JsonNode o) throws CryptoException {
        if (o == null || !o.isObject()) {
            throw new CryptoException("parameters are a JSON object");
        }
        Json.onlyFields(o, "parameters", "seeds", "dampingPercent", "halfLifeMs", "standingPpb");
        JsonNode s = o.get("seeds");
        if (s == null || !s.isArray() || s.size() > 1000) {
            throw new CryptoException("parameters: 'seeds' must be an array of at most 1000 ids");
        }
        List<String> seeds = new ArrayList<>();
        for (JsonNode n : s) {
            if (!n.isString()) {
                throw new CryptoException("parameters: a seed is an identity id");
            }
            seeds.add(LogFacts.canonicalId(n.stringValue()));
        }
        try {
            return new Parameters(seeds, (int) Math.min(Integer.MAX_VALUE, Json.integer(o, "dampingPercent")),
                    Json.integer(o, "halfLifeMs"), Json.integer(o, "standingPpb"));
        } catch (IllegalArgumentException e) {
            throw new CryptoException("parameters: " + e.getMessage());
        }
    }
}
