package dev.carapace.crypto;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON configuration the project uses for anything that is signed, stored or received: duplicate keys are
 * rejected (parser-differential attacks hide a second value behind the first), unknown properties fail when binding,
 * and nesting and sizes are bounded.
 *
 * <p>{@link #parse} reads only what {@link CanonicalJson} can write back, so canonicalization is idempotent and no two
 * parsers read different values from the same signed bytes: the bytes must be strict UTF-8 ({@link Utf8}) without a
 * byte order mark; strings and names must not hold a lone surrogate (not even written as an escape: RFC 8785 and
 * I-JSON refuse them); numbers must be finite, and an integer beyond 2^53 is accepted only when it is written exactly
 * as RFC 8785 writes that double (see {@link CanonicalJson}).
 */
public final class Json {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxStringLength(64 * 1024 * 1024)
                    .maxNumberLength(64)
                    .build())
            .build();

    public static final JsonMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private Json() {}

    public static JsonNode parse(byte[] bytes) throws CryptoException {
        String text = Utf8.decode(bytes);
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            throw new CryptoException("malformed JSON: a byte order mark is not allowed");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new CryptoException("malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new CryptoException("empty JSON document");
        }
        requireCanonicalizable(node);
        return node;
    }

    /** Parses text, refusing a lone surrogate in it (a Java string may hold one; UTF-8 cannot). */
    public static JsonNode parse(String text) throws CryptoException {
        return parse(Utf8.encode(text));
    }

    /** Refuses what {@link CanonicalJson} could not write back exactly: lone surrogates and inexact numbers. */
    private static void requireCanonicalizable(JsonNode node) throws CryptoException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                for (java.util.Map.Entry<String, JsonNode> m : node.properties()) {
                    CanonicalJson.requireWellFormed(m.getKey());
                    requireCanonicalizable(m.getValue());
                }
            }
            case ARRAY -> {
                for (JsonNode e : node) {
                    requireCanonicalizable(e);
                }
            }
            case STRING -> CanonicalJson.requireWellFormed(node.stringValue());
            case NUMBER -> CanonicalJson.number(node);
            default -> { }
        }
    }

    public static ObjectNode parseObject(byte[] bytes) throws CryptoException {
        JsonNode node = parse(bytes);
        if (!node.isObject()) {
            throw new CryptoException("expected a JSON object");
        }
        return (ObjectNode) node;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static String pretty(JsonNode node) {
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }

    public static String compact(JsonNode node) {
        return MAPPER.writeValueAsString(node);
    }

    /** A required string field, or an exception naming the field. */
    public static String text(JsonNode obj, String field) throws CryptoException {
        JsonNode v = obj.get(field);
        if (v == null || !v.isString()) {
            throw new CryptoException("field '" + field + "' must be a string");
        }
        return v.stringValue();
    }

    /** A required integral field within [0, 2^53), or an exception naming the field. */
    public static long integer(JsonNode obj, String field) throws CryptoException {
        JsonNode v = obj.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new CryptoException("field '" + field + "' must be an integer");
        }
        long l = v.longValue();
        if (l < 0 || l > CanonicalJson.MAX_SAFE_INTEGER) {
            throw new CryptoException("field '" + field + "' is out of range");
        }
        return l;
    }

    /** Fails if the object has any field outside the allowed set. */
    public static void onlyFields(JsonNode obj, String what, String... allowed) throws CryptoException {
        java.util.Set<String> ok = java.util.Set.of(allowed);
        for (String name : obj.propertyNames()) {
            if (!ok.contains(name)) {
                throw new CryptoException(what + ": unknown field '" + name + "'");
            }
        }
    }
}
