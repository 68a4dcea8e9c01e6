package dev.carapace.reputation;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads a task outcome statement exactly as the tasks protocol defines it (issue 15): DSSE payloadType
 * {@value #PAYLOAD_TYPE}, RFC 8785 payload
 * {@code {"v":"carapace.task-outcome.v1","task":…,"requester":…,"result":"consensus"|"plurality"|"none",
 * "accepted":[…],"ratings":[{"agent":…,"rating":"good"|"bad"}],"ts":…}}, signed by the requester's current key.
 *
 * <p>This is a reader of the agreed wire format only, kept here because the {@code tasks} module (which owns
 * {@code dev.carapace.tasks.TaskOutcome}) was built in parallel; on merge it is to be replaced by that class.
 */
final class TaskOutcomeReader {
    static final String PAYLOAD_TYPE = "application/vnd.carapace.task-outcome+json";
    static final String VERSION = "carapace.task-outcome.v1";
    /** More ratings than any room holds (2 to 10 responders) is not an outcome. */
    static final int MAX_RATINGS = 64;

    record Rating(String agent, boolean good) {}

    record Outcome(String task, String requester, String result, List<Rating> ratings, long ts) {}

    private TaskOutcomeReader() {}

    static Outcome parse(Dsse.Envelope env) throws CryptoException {
        if (!PAYLOAD_TYPE.equals(env.payloadType())) {
            throw new CryptoException("not a task outcome");
        }
        JsonNode st = Json.parse(env.payload());
        if (!st.isObject() || !Bytes.constantTimeEquals(CanonicalJson.encode(st), env.payload())) {
            throw new CryptoException("a task outcome is an RFC 8785 canonical JSON object");
        }
        Json.onlyFields(st, "task outcome", "v", "task", "requester", "result", "accepted", "ratings", "ts");
        if (!VERSION.equals(Json.text(st, "v"))) {
            throw new CryptoException("task outcome v must be " + VERSION);
        }
        String task = Json.text(st, "task");
        String requester = LogFacts.canonicalId(Json.text(st, "requester"));
        String result = Json.text(st, "result");
        if (!result.equals("consensus") && !result.equals("plurality") && !result.equals("none")) {
            throw new CryptoException("task outcome result must be consensus, plurality or none");
        }
        JsonNode accepted = st.get("accepted");
        if (accepted == null || !accepted.isArray()) {
            throw new CryptoException("task outcome 'accepted' must be an array");
        }
        for (JsonNode a : accepted) {
            if (!a.isString()) {
                throw new CryptoException("task outcome 'accepted' lists response ids");
            }
        }
        JsonNode ratings = st.get("ratings");
        if (ratings == null || !ratings.isArray() || ratings.size() > MAX_RATINGS) {
            throw new CryptoException("task outcome 'ratings' must be an array of at most " + MAX_RATINGS);
        }
        List<Rating> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode r : ratings) {
            Json.onlyFields(r, "rating", "agent", "rating");
            String agent = LogFacts.canonicalId(Json.text(r, "agent"));
            String rating = Json.text(r, "rating");
            if (!rating.equals("good") && !rating.equals("bad")) {
                throw new CryptoException("a rating is good or bad");
            }
            if (!seen.add(agent)) {
                throw new CryptoException("a task outcome rates each agent once");
            }
            out.add(new Rating(agent, rating.equals("good")));
        }
        long ts = Json.integer(st, "ts");
        return new Outcome(task, requester, result, List.copyOf(out), ts);
    }
}
