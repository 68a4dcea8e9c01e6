package dev.carapace.tasks;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The requester's signed outcome of a task ({@value #PAYLOAD_TYPE}), appended to the transparency log; reputation is
 * computed from these.
 *
 * <pre>{"v":"carapace.task-outcome.v1","task":ID,"requester":ID,"result":"consensus"|"plurality"|"none",
 *  "accepted":[RESPONSE_ID...],"ratings":[{"agent":ID,"rating":"good"|"bad"}...],"ts":MS}</pre>
 */
public record TaskOutcome(String id, String task, String requester, Consensus.Result result, List<String> accepted,
                          List<Rating> ratings, long ts, Dsse.Envelope envelope) {
    public static final String PAYLOAD_TYPE = "application/vnd.carapace.task-outcome+json";
    public static final String VERSION = "carapace.task-outcome.v1";

    public record Rating(String agent, boolean good) {
        public String wire() {
            return good ? "good" : "bad";
        }
    }

    public static TaskOutcome create(KeyEventLog requester, Ed25519KeyPair key, String task, Consensus.Result result,
                                     List<String> accepted, List<Rating> ratings, long now) {
        ObjectNode p = Json.object();
        p.put("v", VERSION);
        p.put("task", task);
        p.put("requester", requester.id().toString());
        p.put("result", result.wire());
        ArrayNode a = p.putArray("accepted");
        accepted.forEach(a::add);
        ArrayNode r = p.putArray("ratings");
        for (Rating rating : ratings) {
            r.addObject().put("agent", rating.agent()).put("rating", rating.wire());
        }
        p.put("ts", now);
        try {
            return parse(Statements.sign(PAYLOAD_TYPE, p, requester, key));
        } catch (CryptoException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Reads an outcome statement, checking its form strictly (not its signature: {@link #verify}). */
    public static TaskOutcome parse(Dsse.Envelope env) throws CryptoException {
        JsonNode st = Statements.open(env, PAYLOAD_TYPE, VERSION, "v", "task", "requester", "result", "accepted",
                "ratings", "ts");
        String result = Json.text(st, "result");
        Consensus.Result r = switch (result) {
            case "consensus" -> Consensus.Result.CONSENSUS;
            case "plurality" -> Consensus.Result.PLURALITY;
            case "none" -> Consensus.Result.NONE;
            default -> throw new CryptoException("field 'result' must be consensus, plurality or none");
        };
        if (!st.has("accepted") || !st.has("ratings")) {
            throw new CryptoException("fields 'accepted' and 'ratings' are required");
        }
        List<String> accepted = Statements.strings(st, "accepted", Task.RoomRules.MAX_RESPONDERS,
                s -> Statements.statementId("an accepted response", s));
        JsonNode arr = st.get("ratings");
        if (!arr.isArray() || arr.size() > Task.RoomRules.MAX_RESPONDERS) {
            throw new CryptoException("field 'ratings' must be an array of at most "
                    + Task.RoomRules.MAX_RESPONDERS + " ratings");
        }
        List<Rating> ratings = new ArrayList<>();
        Set<String> rated = new HashSet<>();
        for (JsonNode n : arr) {
            if (!n.isObject()) {
                throw new CryptoException("a rating is an object");
            }
            Json.onlyFields(n, "rating", "agent", "rating");
            String agent = Statements.agent(n, "agent");
            String value = Json.text(n, "rating");
            if (!value.equals("good") && !value.equals("bad")) {
                throw new CryptoException("a rating is good or bad");
            }
            if (!rated.add(agent)) {
                throw new CryptoException("agent " + agent + " is rated twice");
            }
            ratings.add(new Rating(agent, value.equals("good")));
        }
        String requester = Statements.agent(st, "requester");
        if (rated.contains(requester)) {
            throw new CryptoException("a requester does not rate itself");
        }
        return new TaskOutcome(Statements.id(env), Statements.statementId("field 'task'", Json.text(st, "task")),
                requester, r, accepted, List.copyOf(ratings), Json.integer(st, "ts"), env);
    }

    /** Parses and checks the signature against the requester's current key. */
    public static TaskOutcome verify(Dsse.Envelope env, KeyEventLog requester) throws CryptoException {
        TaskOutcome o = parse(env);
        if (!o.requester().equals(requester.id().toString())) {
            throw new CryptoException("the outcome names another requester");
        }
        Statements.verify(env, requester);
        return o;
    }

    /**
     * Checks the outcome against its task and the responses the task received: same task and requester, every
     * accepted response exists, every rated agent answered. Throws naming the first fault.
     */
    public void requireConsistentWith(Task task, List<TaskResponse> responses) throws CryptoException {
        if (!task.id().equals(this.task) || !task.requester().equals(requester)) {
            throw new CryptoException("the outcome is not about this task or not by its requester");
        }
        Set<String> ids = new HashSet<>();
        Set<String> responders = new HashSet<>();
        for (TaskResponse r : responses) {
            ids.add(r.id());
            responders.add(r.responder());
        }
        for (String a : accepted) {
            if (!ids.contains(a)) {
                throw new CryptoException("the outcome accepts " + a + ", which is no response to this task");
            }
        }
        for (Rating r : ratings) {
            if (!responders.contains(r.agent())) {
                throw new CryptoException("the outcome rates " + r.agent() + ", who did not answer this task");
            }
        }
        if (result != Consensus.Result.NONE && accepted.isEmpty()) {
            throw new CryptoException("an outcome with a result accepts at least one response");
        }
    }

    /** Whether the result is the one {@link Consensus#decide} gives (closing an open room early is "none"). */
    public boolean agreesWith(Consensus.Verdict verdict) {
        Consensus.Result expected = verdict.result() == Consensus.Result.OPEN ? Consensus.Result.NONE
                : verdict.result();
        return expected == result && accepted.containsAll(verdict.accepted());
    }
}
