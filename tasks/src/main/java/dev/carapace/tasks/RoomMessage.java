package dev.carapace.tasks;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One message of a task's discussion room ({@value #PAYLOAD_TYPE}), signed by its author's identity key and sent
 * inside the room's MLS group (so it is signed twice: by MLS for the group, by the identity for anyone who later
 * re-runs the consensus on the transcript).
 *
 * <pre>{"v":"carapace.task-room.v1","task":ID,"author":ID,"kind":K,"refs":[ID...],"text":…,"content":{…},"ts":MS}</pre>
 *
 * <p>{@code refs} name responses or messages of the room: an AGREEMENT, OBJECTION or VOTE names exactly one
 * candidate, a MERGE two or more, an ARGUMENT any; a RESPONSE carries its {@code content} and names the response
 * statement it says ({@code refs} = [response id]).
 */
public record RoomMessage(String id, String task, String author, Kind kind, List<String> refs, String text,
                          TaskResponse.Content content, long ts, Dsse.Envelope envelope) {
    public static final String PAYLOAD_TYPE = "application/vnd.carapace.task-room+json";
    public static final String VERSION = "carapace.task-room.v1";
    public static final int MAX_REFS = 16;

    public enum Kind {
        RESPONSE, ARGUMENT, PROPOSAL, AGREEMENT, OBJECTION, MERGE, VOTE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind fromWire(String s) throws CryptoException {
            for (Kind k : values()) {
                if (k.wire().equals(s)) {
                    return k;
                }
            }
            throw new CryptoException("unknown room message kind '" + s + "'");
        }

        /** A kind that counts as its author's vote for the one candidate it names. */
        public boolean isVote() {
            return this == VOTE || this == AGREEMENT;
        }

        /** A kind that puts a new candidate up for the vote. */
        public boolean isCandidate() {
            return this == PROPOSAL || this == MERGE;
        }
    }

    public static RoomMessage create(KeyEventLog author, Ed25519KeyPair key, String task, Kind kind,
                                     List<String> refs, String text, TaskResponse.Content content, long now) {
        ObjectNode p = Json.object();
        p.put("v", VERSION);
        p.put("task", task);
        p.put("author", author.id().toString());
        p.put("kind", kind.wire());
        if (!refs.isEmpty()) {
            ArrayNode a = p.putArray("refs");
            refs.forEach(a::add);
        }
        if (text != null) {
            p.put("text", text);
        }
        if (content != null) {
            p.set("content", content.toJson());
        }
        p.put("ts", now);
        try {
            return parse(Statements.sign(PAYLOAD_TYPE, p, author, key));
        } catch (CryptoException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public static RoomMessage parse(Dsse.Envelope env) throws CryptoException {
        JsonNode st = Statements.open(env, PAYLOAD_TYPE, VERSION, "v", "task", "author", "kind", "refs", "text",
                "content", "ts");
        Kind kind = Kind.fromWire(Json.text(st, "kind"));
        List<String> refs = Statements.strings(st, "refs", MAX_REFS, s -> Statements.statementId("a ref", s));
        String text = Statements.text(st, "text", Task.MAX_TEXT_CHARS, false);
        TaskResponse.Content content = st.has("content") ? TaskResponse.Content.fromJson(st.get("content")) : null;
        switch (kind) {
            case RESPONSE -> {
                if (content == null || refs.size() != 1) {
                    throw new CryptoException("a RESPONSE carries its content and names its response");
                }
            }
            case AGREEMENT, OBJECTION, VOTE -> {
                if (refs.size() != 1) {
                    throw new CryptoException("a " + kind + " names exactly one candidate");
                }
            }
            case MERGE -> {
                if (refs.size() < 2 || text == null) {
                    throw new CryptoException("a MERGE names two or more candidates and says the merged answer");
                }
            }
            case PROPOSAL, ARGUMENT -> {
                if (text == null) {
                    throw new CryptoException("a " + kind + " has text");
                }
            }
        }
        if (kind != Kind.RESPONSE && content != null) {
            throw new CryptoException("only a RESPONSE carries content");
        }
        return new RoomMessage(Statements.id(env), Statements.statementId("field 'task'", Json.text(st, "task")),
                Statements.agent(st, "author"), kind, refs, text, content, Json.integer(st, "ts"), env);
    }
}
