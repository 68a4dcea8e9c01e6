package dev.carapace.crypto;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An in-toto Statement v1: subjects named by digest, a predicate type and a predicate. Serialized as RFC 8785
 * canonical JSON and carried in a DSSE envelope of type {@value #PAYLOAD_TYPE}.
 */
public record InTotoStatement(List<Subject> subjects, String predicateType, JsonNode predicate) {
    public static final String TYPE = "https://in-toto.io/Statement/v1";
    public static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";

    public record Subject(String name, String sha256Hex) {}

    public InTotoStatement {
        subjects = List.copyOf(subjects);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("_type", TYPE);
        ArrayNode subs = o.putArray("subject");
        for (Subject s : subjects) {
            ObjectNode so = subs.addObject();
            so.put("name", s.name());
            so.putObject("digest").put("sha256", s.sha256Hex());
        }
        o.put("predicateType", predicateType);
        o.set("predicate", predicate == null ? Json.object() : predicate);
        return o;
    }

    public byte[] canonicalBytes() throws CryptoException {
        return CanonicalJson.encode(toJson());
    }

    public Dsse.Envelope sign(String keyid, Ed25519KeyPair key) throws CryptoException {
        return Dsse.sign(PAYLOAD_TYPE, canonicalBytes(), keyid, key);
    }

    /** Reads the statement from an envelope's payload; the payload must be canonical, so one statement has one form. */
    public static InTotoStatement fromEnvelope(Dsse.Envelope env) throws CryptoException {
        if (!PAYLOAD_TYPE.equals(env.payloadType())) {
            throw new CryptoException("payloadType is '" + env.payloadType() + "', expected " + PAYLOAD_TYPE);
        }
        JsonNode node = Json.parse(env.payload());
        if (!Bytes.constantTimeEquals(CanonicalJson.encode(node), env.payload())) {
            throw new CryptoException("statement is not in RFC 8785 canonical form");
        }
        return fromJson(node);
    }

    public static InTotoStatement fromJson(JsonNode node) throws CryptoException {
        if (!node.isObject()) {
            throw new CryptoException("a statement is a JSON object");
        }
        Json.onlyFields(node, "in-toto statement", "_type", "subject", "predicateType", "predicate");
        if (!TYPE.equals(Json.text(node, "_type"))) {
            throw new CryptoException("statement _type must be " + TYPE);
        }
        JsonNode subs = node.get("subject");
        if (subs == null || !subs.isArray() || subs.isEmpty()) {
            throw new CryptoException("statement needs at least one subject");
        }
        List<Subject> list = new ArrayList<>();
        for (JsonNode s : subs) {
            JsonNode digest = s.get("digest");
            if (digest == null || !digest.isObject()) {
                throw new CryptoException("subject lacks a digest");
            }
            String hex = Json.text(digest, "sha256");
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new CryptoException("subject sha256 must be 64 lower-case hex characters");
            }
            list.add(new Subject(s.has("name") ? Json.text(s, "name") : "", hex));
        }
        JsonNode pred = node.get("predicate");
        return new InTotoStatement(list, Json.text(node, "predicateType"), pred == null ? Json.object() : pred);
    }
}
