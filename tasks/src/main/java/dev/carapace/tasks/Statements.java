package dev.carapace.tasks;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Ed25519PublicKey;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.KeyId;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What every task statement shares: signing, strict opening, verification and ids. */
public final class Statements {
    /** Bytes of any one statement's payload: a task with its largest input fits, with room to spare. */
    public static final int MAX_PAYLOAD_BYTES = 128 * 1024;

    private Statements() {}

    /** Signs the canonical encoding of {@code payload} with the author's current key. */
    public static Dsse.Envelope sign(String payloadType, ObjectNode payload, KeyEventLog author, Ed25519KeyPair key) {
        if (!key.publicKey().equals(author.currentKey())) {
            throw new IllegalArgumentException("the key is not the author's current key");
        }
        try {
            return Dsse.sign(payloadType, CanonicalJson.encode(payload), author.currentKeyId(), key);
        } catch (CryptoException e) {
            throw new IllegalArgumentException("statement does not encode canonically: " + e.getMessage(), e);
        }
    }

    /** A statement's id: the base64url SHA-256 of its payload (so it names exactly one signed content). */
    public static String id(Dsse.Envelope env) {
        return Bytes.b64url(Bytes.sha256(env.payload()));
    }

    /**
     * The payload of {@code env} as a JSON object, after checking its type, its size, that it is RFC 8785 canonical,
     * that its version field {@code v} is {@code version} and that it has no field beyond {@code fields}.
     */
    static JsonNode open(Dsse.Envelope env, String payloadType, String version, String... fields)
            throws CryptoException {
        if (!payloadType.equals(env.payloadType())) {
            throw new CryptoException("payloadType must be " + payloadType);
        }
        if (env.payload().length > MAX_PAYLOAD_BYTES) {
            throw new CryptoException("payload is larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
        JsonNode st = Json.parse(env.payload());
        if (!st.isObject()) {
            throw new CryptoException("payload must be a JSON object");
        }
        Json.onlyFields(st, version, fields);
        if (!Bytes.constantTimeEquals(CanonicalJson.encode(st), env.payload())) {
            throw new CryptoException("payload must be RFC 8785 canonical");
        }
        if (!version.equals(Json.text(st, "v"))) {
            throw new CryptoException("field 'v' must be " + version);
        }
        return st;
    }

    /**
     * Checks that {@code env} is signed by {@code author}'s current key (the key id names it, {@code <id>#<seq>}).
     * The hub applies this rule when a statement arrives; a statement found in the transparency log was checked so
     * when it was appended, and {@link #verifyLogged} re-checks it against the key it names.
     */
    public static void verify(Dsse.Envelope env, KeyEventLog author) throws CryptoException {
        String expected = author.currentKeyId();
        Dsse.verify(env, keyid -> expected.equals(keyid) ? author.currentKey() : null, 1);
    }

    /** Checks that {@code env} is signed by a key of {@code author}'s history, the one its key id names. */
    public static void verifyLogged(Dsse.Envelope env, KeyEventLog author) throws CryptoException {
        Dsse.verify(env, keyid -> {
            KeyId k = KeyId.parse(keyid);
            if (!k.id().equals(author.id()) || k.seq() > author.currentSeq()) {
                return null;
            }
            Ed25519PublicKey key = author.keyAt(k.seq());
            return key;
        }, 1);
    }

    /** An agent id field, checked for its form. */
    static String agent(JsonNode st, String field) throws CryptoException {
        String id = Json.text(st, field);
        return dev.carapace.crypto.AgentId.parse(id).toString();
    }

    /** A statement id (base64url SHA-256) field. */
    static String statementId(String what, String s) throws CryptoException {
        if (s == null || !s.matches("[A-Za-z0-9_-]{43}")) {
            throw new CryptoException(what + " must be a statement id (43 base64url characters)");
        }
        return s;
    }

    /** A bounded text field; null when absent and not required. */
    static String text(JsonNode st, String field, int maxChars, boolean required) throws CryptoException {
        if (!st.has(field)) {
            if (required) {
                throw new CryptoException("field '" + field + "' is required");
            }
            return null;
        }
        String t = Json.text(st, field);
        if (t.isEmpty() || t.length() > maxChars) {
            throw new CryptoException("field '" + field + "' must hold 1 to " + maxChars + " characters");
        }
        return t;
    }

    /** A bounded integer field within [min, max]. */
    static long integer(JsonNode st, String field, long min, long max) throws CryptoException {
        long v = Json.integer(st, field);
        if (v < min || v > max) {
            throw new CryptoException("field '" + field + "' must be from " + min + " to " + max);
        }
        return v;
    }

    /** An array of distinct strings, each checked by {@code check}, at most {@code max} of them. */
    static List<String> strings(JsonNode st, String field, int max, Check check) throws CryptoException {
        JsonNode arr = st.get(field);
        if (arr == null) {
            return List.of();
        }
        if (!arr.isArray() || arr.size() > max) {
            throw new CryptoException("field '" + field + "' must be an array of at most " + max + " strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : arr) {
            if (!n.isString()) {
                throw new CryptoException("field '" + field + "' must hold strings");
            }
            String v = check.apply(n.stringValue());
            if (out.contains(v)) {
                throw new CryptoException("field '" + field + "' names " + v + " twice");
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    @FunctionalInterface
    interface Check {
        String apply(String s) throws CryptoException;
    }
}
