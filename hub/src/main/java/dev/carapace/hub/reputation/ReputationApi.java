package dev.carapace.hub.reputation;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.protocol.ErrorReason;
import dev.carapace.reputation.Scores;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The reputation routes: every score, by pages, and one identity's score with its factors and tier. */
public final class ReputationApi {
    public static final int PAGE_SIZE = HubLimits.REPUTATION_PAGE_SIZE;

    /** The rate-limit tier of a registered identity, or null for an id this hub does not hold. */
    @FunctionalInterface
    public interface Tiers {
        String tierOf(String id) throws SQLException;
    }

    private final ReputationService reputation;
    private final Tiers tiers;

    public ReputationApi(ReputationService reputation, Tiers tiers) {
        this.reputation = reputation;
        this.tiers = tiers;
    }

    public List<Route> routes() {
        return List.of(
                new Route("GET", "/v1/reputation", Route.Auth.PUBLIC, "reputation",
                        "What the scores are computed from: log size, time, parameters (trust seeds included), and"
                                + " how many identities score above zero, in pages of " + PAGE_SIZE + ".",
                        this::summary),
                new Route("GET", "/v1/reputation/scores/{page}", Route.Auth.PUBLIC, "reputation",
                        "One page of every identity with a positive score, sorted by id, with its trust.",
                        this::page),
                new Route("GET", "/v1/reputation/{id}", Route.Auth.PUBLIC, "reputation",
                        "An identity's score, standing, tier and factors, with the log indexes behind them.",
                        this::one));
    }

    private static void stamp(ObjectNode o, Scores s) {
        o.put("logSize", s.logSize());
        o.put("asOfMs", s.asOfMs());
    }

    private Reply summary(Call call) throws Exception {
        Scores s = reputation.current();
        ObjectNode o = Json.object();
        stamp(o, s);
        o.set("parameters", s.parameters().toJson());
        int n = s.all().size();
        o.put("identities", n);
        o.put("pageSize", PAGE_SIZE);
        o.put("pages", (n + PAGE_SIZE - 1) / PAGE_SIZE);
        return Reply.ok(o);
    }

    private Reply page(Call call) throws Exception {
        long page = call.pathNumber("page", Integer.MAX_VALUE, ErrorReason.INVALID_PAGE);
        Scores s = reputation.current();
        List<Map.Entry<String, Long>> all = new ArrayList<>(s.all().entrySet());
        long first = page * PAGE_SIZE;
        if (first > all.size() || (first == all.size() && page > 0)) {
            throw ApiException.notFound("there are " + all.size() + " scored identities");
        }
        ObjectNode o = Json.object();
        stamp(o, s);
        o.put("page", page);
        ArrayNode arr = o.putArray("scores");
        for (Map.Entry<String, Long> e : all.subList((int) first, (int) Math.min(all.size(), first + PAGE_SIZE))) {
            arr.addObject().put("id", e.getKey()).put("trust", e.getValue());
        }
        return Reply.ok(o);
    }

    private Reply one(Call call) throws Exception {
        String id;
        try {
            AgentId parsed = AgentId.parse(call.param("id"));
            id = parsed.toString();
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ID, "not a valid identity id: " + e.getMessage());
        }
        Scores s = reputation.current();
        ObjectNode o = s.explain(id).toJson();
        String tier = tiers.tierOf(id);
        if (tier != null) {
            o.put("tier", tier);
        } else {
            o.putNull("tier");
        }
        stamp(o, s);
        return Reply.ok(o);
    }
}
