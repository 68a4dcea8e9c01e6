package dev.carapace.tasks;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.skills.NameGuard;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A task ({@value #PAYLOAD_TYPE}): who asks, where (a public topic, or named agents), what (the question and an
 * optional skill to run on an input), how many answers are wanted by when, and the rules of its discussion room.
 *
 * <p>The question is the {@link Body}. A task to a topic carries it in the clear ({@code body}): a public topic is
 * public by definition. A task to named agents carries only its digest ({@code bodyDigest}); the body itself travels
 * end-to-end encrypted to each named agent, who checks it against the digest, so the hub holds no plaintext of it.
 *
 * <pre>{"v":"carapace.task.v1","requester":ID,"topic":T,"to":[ID...],"body":{"text":…,"input":B64}|"bodyDigest":D,
 *  "skill":{"name":"ns/name","version":V,"digest":HEX},"minResponses":N,"deadline":MS,
 *  "room":{"durationMs":MS,"maxResponders":N,"threshold":PCT,"maxMessageBytes":N},"nonce":R,"ts":MS}</pre>
 */
public record Task(String id, String requester, String topic, List<String> to, Body body, String bodyDigest,
                   SkillRef skill, int minResponses, long deadline, RoomRules room, long ts, Dsse.Envelope envelope) {
    public static final String PAYLOAD_TYPE = "application/vnd.carapace.task+json";
    public static final String VERSION = "carapace.task.v1";
    public static final int MAX_TEXT_CHARS = 16_000;
    public static final int MAX_INPUT_BYTES = 64 * 1024;
    public static final int MAX_RECIPIENTS = 10;
    /** The furthest deadline a task may set, from its own timestamp. */
    public static final long MAX_DEADLINE_MS = 7L * 24 * 60 * 60 * 1000;
    private static final String TOPIC = "[a-z0-9][a-z0-9._-]{0,63}";

    /** The question: text, and the skill's input when the task names a skill. */
    public record Body(String text, byte[] input) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("text", text);
            if (input != null) {
                o.put("input", Bytes.b64(input));
            }
            return o;
        }

        /** The digest a sealed task carries: base64url SHA-256 of the body's canonical JSON. */
        public String digest() {
            try {
                return Bytes.b64url(Bytes.sha256(CanonicalJson.encode(toJson())));
            } catch (CryptoException e) {
                throw new IllegalStateException(e);
            }
        }

        public static Body fromJson(JsonNode n) throws CryptoException {
            if (n == null || !n.isObject()) {
                throw new CryptoException("field 'body' must be an object");
            }
            Json.onlyFields(n, "body", "text", "input");
            String text = Statements.text(n, "text", MAX_TEXT_CHARS, true);
            byte[] input = n.has("input") ? Bytes.fromB64(Json.text(n, "input")) : null;
            if (input != null && input.length > MAX_INPUT_BYTES) {
                throw new CryptoException("a task's input is limited to " + MAX_INPUT_BYTES + " bytes");
            }
            return new Body(text, input);
        }
    }

    /** A skill to run, pinned: {@code namespace/name}, version and the package's SHA-256 (hex). */
    public record SkillRef(String name, String version, String digest) {
        public SkillRef {
            NameGuard.validate(name);
            if (version == null || !version.matches("[0-9A-Za-z][0-9A-Za-z.+-]{0,63}")) {
                throw new IllegalArgumentException("a skill version is 1 to 64 characters [0-9A-Za-z.+-]");
            }
            if (digest == null || !digest.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("a skill digest is the package's SHA-256 in lowercase hex");
            }
        }

        /** {@code ns/name@version}. */
        public String ref() {
            return name + "@" + version;
        }

        /** Parses {@code ns/name@version} with its digest. */
        public static SkillRef parse(String ref, String digest) {
            int at = ref.lastIndexOf('@');
            if (at < 0) {
                throw new IllegalArgumentException("a skill is named ns/name@version: " + ref);
            }
            return new SkillRef(ref.substring(0, at), ref.substring(at + 1), digest);
        }
    }

    /** The rules of the task's discussion room. */
    public record RoomRules(long durationMs, int maxResponders, int threshold, int maxMessageBytes) {
        public static final long MIN_DURATION_MS = 1_000;
        public static final long MAX_DURATION_MS = 24L * 60 * 60 * 1000;
        public static final int MIN_RESPONDERS = 2;
        public static final int MAX_RESPONDERS = 10;
        public static final int DEFAULT_THRESHOLD = 60;
        public static final int MAX_MESSAGE_BYTES = 64 * 1024;

        public static RoomRules defaults() {
            return new RoomRules(10 * 60 * 1000, MAX_RESPONDERS, DEFAULT_THRESHOLD, 16 * 1024);
        }

        public RoomRules {
            if (durationMs < MIN_DURATION_MS || durationMs > MAX_DURATION_MS) {
                throw new IllegalArgumentException("a room lasts from 1 s to 24 h");
            }
            if (maxResponders < MIN_RESPONDERS || maxResponders > MAX_RESPONDERS) {
                throw new IllegalArgumentException("a room holds " + MIN_RESPONDERS + " to " + MAX_RESPONDERS
                        + " responders");
            }
            if (threshold < 51 || threshold > 100) {
                throw new IllegalArgumentException("a consensus threshold is 51 to 100 percent");
            }
            if (maxMessageBytes < 256 || maxMessageBytes > MAX_MESSAGE_BYTES) {
                throw new IllegalArgumentException("a room's message limit is 256 to " + MAX_MESSAGE_BYTES + " bytes");
            }
        }

        ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("durationMs", durationMs);
            o.put("maxResponders", maxResponders);
            o.put("threshold", threshold);
            o.put("maxMessageBytes", maxMessageBytes);
            return o;
        }

        static RoomRules fromJson(JsonNode n) throws CryptoException {
            if (n == null || !n.isObject()) {
                throw new CryptoException("field 'room' must be an object");
            }
            Json.onlyFields(n, "room", "durationMs", "maxResponders", "threshold", "maxMessageBytes");
            try {
                return new RoomRules(Json.integer(n, "durationMs"), (int) Statements.integer(n, "maxResponders", 0, 1000),
                        (int) Statements.integer(n, "threshold", 0, 1000),
                        (int) Statements.integer(n, "maxMessageBytes", 0, 1 << 20));
            } catch (IllegalArgumentException e) {
                throw new CryptoException(e.getMessage());
            }
        }
    }

    /** Whether the question is sealed (sent to named agents, the hub holds only its digest). */
    public boolean sealed() {
        return body == null;
    }

    /** When the room closes itself: the answer deadline plus the room's duration. */
    public long roomClosesAt() {
        return deadline + room.durationMs();
    }

    /**
     * Builds and signs a task. With {@code to} empty it is posted to {@code topic} with its body in the clear;
     * otherwise its body is sealed (only the digest is signed and stored) and {@code topic} is only a label.
     */
    public static Task create(KeyEventLog requester, Ed25519KeyPair key, String topic, List<String> to, Body body,
                              SkillRef skill, int minResponses, long deadline, RoomRules room, long now) {
        ObjectNode p = Json.object();
        p.put("v", VERSION);
        p.put("requester", requester.id().toString());
        if (topic != null) {
            p.put("topic", topic);
        }
        if (!to.isEmpty()) {
            ArrayNode a = p.putArray("to");
            to.forEach(a::add);
            p.put("bodyDigest", body.digest());
        } else {
            p.set("body", body.toJson());
        }
        if (skill != null) {
            ObjectNode s = p.putObject("skill");
            s.put("name", skill.name());
            s.put("version", skill.version());
            s.put("digest", skill.digest());
        }
        p.put("minResponses", minResponses);
        p.put("deadline", deadline);
        p.set("room", room.toJson());
        p.put("nonce", Bytes.b64url(Bytes.random(16)));
        p.put("ts", now);
        try {
            return parse(Statements.sign(PAYLOAD_TYPE, p, requester, key));
        } catch (CryptoException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Reads a task statement, checking its form (not its signature: see {@link Statements#verify}). */
    public static Task parse(Dsse.Envelope env) throws CryptoException {
        JsonNode st = Statements.open(env, PAYLOAD_TYPE, VERSION, "v", "requester", "topic", "to", "body",
                "bodyDigest", "skill", "minResponses", "deadline", "room", "nonce", "ts");
        String requester = Statements.agent(st, "requester");
        String topic = st.has("topic") ? Json.text(st, "topic") : null;
        if (topic != null && !topic.matches(TOPIC)) {
            throw new CryptoException("a topic is 1 to 64 characters [a-z0-9._-], starting with a letter or digit");
        }
        List<String> to = Statements.strings(st, "to", MAX_RECIPIENTS,
                s -> dev.carapace.crypto.AgentId.parse(s).toString());
        if (st.has("to") && to.isEmpty()) {
            throw new CryptoException("field 'to' names no agent");
        }
        if (topic == null && to.isEmpty()) {
            throw new CryptoException("a task goes to a topic or to named agents");
        }
        if (to.contains(requester)) {
            throw new CryptoException("a task is not addressed to its own requester");
        }
        Body body = null;
        String bodyDigest = null;
        if (to.isEmpty()) {
            if (st.has("bodyDigest")) {
                throw new CryptoException("a task to a topic carries its body, not a digest");
            }
            body = Body.fromJson(st.get("body"));
        } else {
            if (st.has("body")) {
                throw new CryptoException("a task to named agents carries only its body's digest");
            }
            bodyDigest = Statements.statementId("field 'bodyDigest'", Json.text(st, "bodyDigest"));
        }
        SkillRef skill = null;
        if (st.has("skill")) {
            JsonNode s = st.get("skill");
            if (!s.isObject()) {
                throw new CryptoException("field 'skill' must be an object");
            }
            Json.onlyFields(s, "skill", "name", "version", "digest");
            try {
                skill = new SkillRef(Json.text(s, "name"), Json.text(s, "version"), Json.text(s, "digest"));
            } catch (IllegalArgumentException e) {
                throw new CryptoException(e.getMessage());
            }
        }
        RoomRules room = RoomRules.fromJson(st.get("room"));
        int minResponses = (int) Statements.integer(st, "minResponses", 1, room.maxResponders());
        long ts = Json.integer(st, "ts");
        long deadline = Json.integer(st, "deadline");
        if (deadline <= ts || deadline - ts > MAX_DEADLINE_MS) {
            throw new CryptoException("a deadline lies after the task's timestamp, by at most 7 days");
        }
        String nonce = Json.text(st, "nonce");
        if (!nonce.matches("[A-Za-z0-9_-]{16,43}")) {
            throw new CryptoException("field 'nonce' must be 16 to 43 base64url characters");
        }
        return new Task(Statements.id(env), requester, topic, to, body, bodyDigest, skill, minResponses, deadline,
                room, ts, env);
    }
}
