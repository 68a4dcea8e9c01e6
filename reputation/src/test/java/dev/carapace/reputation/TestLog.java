package dev.carapace.reputation;

import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEvent;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.PayloadTypes;
import dev.carapace.tasks.Task;
import dev.carapace.tasks.TaskOutcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Builds a log as the hub writes one: key events, then signed statements, read into {@link LogFacts}. */
final class TestLog {
    /** An identity and its keys. */
    record Id(KeyEventLog log, Ed25519KeyPair key, Ed25519KeyPair next) {
        String id() {
            return log.id().toString();
        }
    }

    final List<byte[]> entries = new ArrayList<>();
    final LogFacts facts = new LogFacts();
    long now = 1_800_000_000_000L;
    private int taskCounter;

    long add(byte[] entry) {
        long index = entries.size();
        entries.add(entry);
        facts.accept(index, entry);
        return index;
    }

    Id identity(String kind) {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Ed25519KeyPair next = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept(kind, key, next.publicKey(), now);
        add(event(log.events().get(0)));
        return new Id(log, key, next);
    }

    static byte[] event(KeyEvent e) {
        try {
            return CanonicalJson.encode(e.toJson());
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    static Dsse.Envelope sign(String type, ObjectNode payload, Id signer) {
        try {
            return Dsse.sign(type, CanonicalJson.encode(payload), signer.log().currentKeyId(), signer.key());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode outcome(String requester, Map<String, Boolean> ratings, long ts, String task) {
        ObjectNode o = Json.object();
        o.put("v", TaskOutcome.VERSION);
        // Task and response ids are statement ids (SHA-256 of a statement, base64url); derived from a name here.
        o.put("task", dev.carapace.crypto.Bytes.b64url(dev.carapace.crypto.Bytes.sha256(
                task.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        o.put("requester", requester);
        o.put("result", "consensus");
        o.putArray("accepted").add(dev.carapace.crypto.Bytes.b64url(dev.carapace.crypto.Bytes.sha256(new byte[] {1})));
        ArrayNode rs = o.putArray("ratings");
        ratings.forEach((agent, good) -> rs.addObject().put("agent", agent).put("rating", good ? "good" : "bad"));
        o.put("ts", ts);
        return o;
    }

    /** A task outcome by {@code requester}, dated now, rating each agent. */
    long rate(Id requester, Map<String, Boolean> ratings) {
        return rate(requester, ratings, now);
    }

    /**
     * Task outcomes by {@code requester} rating each agent; a room holds at most {@code Task.RoomRules.MAX_RESPONDERS},
     * so more ratings take several tasks. Returns the index of the last.
     */
    long rate(Id requester, Map<String, Boolean> ratings, long ts) {
        List<Map.Entry<String, Boolean>> all = new ArrayList<>(ratings.entrySet());
        long last = -1;
        for (int from = 0; from < all.size() || from == 0; from += Task.RoomRules.MAX_RESPONDERS) {
            Map<String, Boolean> room = new LinkedHashMap<>();
            all.subList(from, Math.min(all.size(), from + Task.RoomRules.MAX_RESPONDERS))
                    .forEach(e -> room.put(e.getKey(), e.getValue()));
            last = add(sign(TaskOutcome.PAYLOAD_TYPE, outcome(requester.id(), room, ts, "t-" + taskCounter++),
                    requester).toBytes());
        }
        return last;
    }

    long good(Id requester, Id... agents) {
        Map<String, Boolean> m = new java.util.LinkedHashMap<>();
        for (Id a : agents) {
            m.put(a.id(), true);
        }
        return rate(requester, m);
    }

    long link(Id owner, Id agent) {
        ObjectNode st = Json.object();
        st.put("type", "carapace.owner-link.v1");
        st.put("owner", owner.id());
        st.put("agent", agent.id());
        st.put("ts", now);
        Dsse.Envelope consent = sign(PayloadTypes.OWNER_LINK_CONSENT, st, agent);
        return add(consent.withSignature(Dsse.signature(consent.payloadType(), consent.payload(),
                owner.log().currentKeyId(), owner.key())).toBytes());
    }

    /** The agent's consent alone, without the owner's countersignature. */
    long consentOnly(Id owner, Id agent) {
        ObjectNode st = Json.object();
        st.put("type", "carapace.owner-link.v1");
        st.put("owner", owner.id());
        st.put("agent", agent.id());
        st.put("ts", now);
        return add(sign(PayloadTypes.OWNER_LINK_CONSENT, st, agent).toBytes());
    }

    long statement(InTotoStatement st, Id signer) {
        try {
            return add(st.sign(signer.log().currentKeyId(), signer.key()).toBytes());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Scores scores(List<Id> seeds) {
        return Reputation.compute(facts, Parameters.defaults(seeds.stream().map(Id::id).toList()), now);
    }
}
