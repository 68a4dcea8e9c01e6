package dev.carapace.tasks;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A responder's answer to a task ({@value #PAYLOAD_TYPE}), as the hub sees it: who answers which task, and the digest
 * of the {@link Content}. The content itself is said inside the task's room, end-to-end encrypted, as a RESPONSE
 * message whose content must match this digest. The response's id ({@link Statements#id}) is what votes and the
 * outcome name.
 *
 * <pre>{"v":"carapace.task-response.v1","task":ID,"responder":ID,"content":DIGEST,"ts":MS}</pre>
 */
public record TaskResponse(String id, String task, String responder, String contentDigest, long ts,
                           Dsse.Envelope envelope) {
    public static final String PAYLOAD_TYPE = "application/vnd.carapace.task-response+json";
    public static final String VERSION = "carapace.task-response.v1";

    /**
     * What a responder answers: text, or, for a task that names a skill, the output of running it in the sandbox
     * and the SHA-256 (hex) of the sandbox's audit log of that run.
     */
    public record Content(String text, byte[] output, String auditLogSha256) {
        public Content {
            if (text == null && output == null) {
                throw new IllegalArgumentException("an answer holds text or a skill's output");
            }
            if ((output == null) != (auditLogSha256 == null)) {
                throw new IllegalArgumentException("a skill's output comes with the hash of its audit log");
            }
            if (auditLogSha256 != null && !auditLogSha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("an audit log hash is SHA-256 in lowercase hex");
            }
        }

        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            if (text != null) {
                o.put("text", text);
            }
            if (output != null) {
                o.put("output", Bytes.b64(output));
                o.put("auditLog", auditLogSha256);
            }
            return o;
        }

        /** Base64url SHA-256 of the canonical JSON. */
        public String digest() {
            try {
                return Bytes.b64url(Bytes.sha256(CanonicalJson.encode(toJson())));
            } catch (CryptoException e) {
                throw new IllegalStateException(e);
            }
        }

        public static Content fromJson(JsonNode n) throws CryptoException {
            if (n == null || !n.isObject()) {
                throw new CryptoException("an answer's content must be an object");
            }
            Json.onlyFields(n, "content", "text", "output", "auditLog");
            try {
                return new Content(Statements.text(n, "text", Task.MAX_TEXT_CHARS, false),
                        n.has("output") ? Bytes.fromB64(Json.text(n, "output")) : null,
                        n.has("auditLog") ? Json.text(n, "auditLog") : null);
            } catch (IllegalArgumentException e) {
                throw new CryptoException(e.getMessage());
            }
        }
    }

    public static TaskResponse create(KeyEventLog responder, Ed25519KeyPair key, String task, Content content,
                                      long now) {
        ObjectNode p = Json.object();
        p.put("v", VERSION);
        p.put("task", task);
        p.put("responder", responder.id().toString());
        p.put("content", content.digest());
        p.put("ts", now);
        try {
            return parse(Statements.sign(PAYLOAD_TYPE, p, responder, key));
        } catch (CryptoException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public static TaskResponse parse(Dsse.Envelope env) throws CryptoException {
        JsonNode st = Statements.open(env, PAYLOAD_TYPE, VERSION, "v", "task", "responder", "content", "ts");
        return new TaskResponse(Statements.id(env), Statements.statementId("field 'task'", Json.text(st, "task")),
                Statements.agent(st, "responder"), Statements.statementId("field 'content'", Json.text(st, "content")),
                Json.integer(st, "ts"), env);
    }
}
