package dev.carapace.hub.http;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.protocol.ErrorReason;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** One request as a route sees it: path parameters, the body, the caller's address and, if signed, identity. */
public final class Call {
    private final Map<String, String> pathParams;
    private final byte[] body;
    private final String clientIp;
    private final String addressKey;
    private final String targetUri;
    private Caller caller;
    private String spender;
    private Budget budget; // set with the spender: charges the spender's rate-limit bucket
    private JsonNode json; // parsed once: the key lookup of SIGNED_BY_BODY routes and the handler both read it
    private final Map<String, Object> parsed = new HashMap<>();

    Call(Map<String, String> pathParams, byte[] body, String clientIp, String addressKey, String targetUri) {
        this.pathParams = pathParams;
        this.body = body;
        this.clientIp = clientIp;
        this.addressKey = addressKey;
        this.targetUri = targetUri;
    }

    /** Who signed the request, with the key that authenticated it (so handlers check envelopes without a lookup). */
    public record Caller(dev.carapace.hub.auth.RequestAuthenticator.CurrentKey key) {
        public String id() {
            return key.id();
        }

        public long seq() {
            return key.seq();
        }

        public String kind() {
            return key.kind();
        }
    }

    public String param(String name) {
        return pathParams.get(name);
    }

    public byte[] body() {
        return body;
    }

    public String clientIp() {
        return clientIp;
    }

    /** The client's address as limits count it: the IPv4 address, or the IPv6 /64. */
    public String addressKey() {
        return addressKey;
    }

    /**
     * Whose budgets a signed request spends (rate limits, claim shares): the caller's identity, or, for an identity
     * of the NEW tier, its address, shared by every new identity from there.
     */
    public String spender() {
        return spender;
    }

    void spender(String s, Budget b) {
        this.spender = s;
        this.budget = b;
    }

    /** A spender's rate-limit bucket. */
    interface Budget {
        /**
         * Takes tokens beyond the one the request took, all or none; returns 0 when taken, else (having given the
         * request's own token back) the seconds until the whole request's worth is there.
         */
        long tryAcquireMore(long tokens);

        /** The most tokens the bucket ever holds. */
        int capacity();
    }

    /**
     * Charges a signed request for {@code units} requests' worth of its spender's rate limit, the one the request
     * itself already paid for included (a batch of n costs what n single requests would, so batching bypasses no
     * limit). Too few tokens left is a 429 with Retry-After (the time until all of them are there) and takes none
     * of them, not even the request's own; more units than the bucket ever
     * holds is a 400 (waiting would never help).
     */
    public void chargeAsRequests(int units) throws ApiException {
        if (budget == null) {
            throw new IllegalStateException("only a signed request spends a budget");
        }
        if (units > budget.capacity()) {
            throw new ApiException(ErrorReason.BATCH_TOO_LARGE, "your rate limit allows " + budget.capacity()
                    + " requests per minute and this batch counts as " + units + "; send smaller batches");
        }
        long wait = units > 1 ? budget.tryAcquireMore(units - 1) : 0;
        if (wait > 0) {
            throw new ApiException(ErrorReason.RATE_LIMITED, "too many requests from this identity", wait);
        }
    }

    public String targetUri() {
        return targetUri;
    }

    public Caller caller() {
        return caller;
    }

    void caller(Caller c) {
        this.caller = c;
    }

    /** Parses something from the request at most once (e.g. an identity document whose signatures are costly). */
    @FunctionalInterface
    public interface Parser<T> {
        T parse() throws ApiException;
    }

    public <T> T once(String name, Class<T> type, Parser<T> parser) throws ApiException {
        Object v = parsed.get(name);
        if (v == null) {
            v = parser.parse();
            parsed.put(name, v);
        }
        return type.cast(v);
    }

    /** The body as a JSON object, or a 400 that names the problem. */
    public JsonNode json() throws ApiException {
        if (json != null) {
            return json;
        }
        if (body.length == 0) {
            throw new ApiException(ErrorReason.MALFORMED_JSON, "a JSON body is required");
        }
        try {
            JsonNode n = Json.parse(body);
            if (!n.isObject()) {
                throw new ApiException(ErrorReason.MALFORMED_JSON, "the body must be a JSON object");
            }
            json = n;
            return n;
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.MALFORMED_JSON, e.getMessage());
        }
    }

    /** Fails with 400 unless the object has only the given fields. */
    public static void onlyFields(JsonNode obj, String... allowed) throws ApiException {
        try {
            Json.onlyFields(obj, "request", allowed);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.UNKNOWN_FIELD, e.getMessage());
        }
    }

    public static String text(JsonNode obj, String field, int maxLength) throws ApiException {
        JsonNode v = obj.get(field);
        if (v == null || !v.isString() || v.stringValue().isEmpty()) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' must be a non-empty string");
        }
        if (v.stringValue().length() > maxLength) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' is longer than " + maxLength);
        }
        return v.stringValue();
    }

    /**
     * An integer field within [{@code min}, {@code max}], or a 400 naming the field: the one reader of numbers in
     * request bodies, so a value beyond a long (2^64), a fraction or a string is refused, never an internal error.
     */
    public static long integer(JsonNode obj, String field, long min, long max) throws ApiException {
        JsonNode v = obj == null ? null : obj.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' must be an integer from " + min
                    + " to " + max);
        }
        return v.longValue();
    }

    /** A path parameter holding a decimal integer from 0 to {@code max}, or a 400 {@code invalid_<name>}. */
    public long pathNumber(String name, long max, ErrorReason invalid) throws ApiException {
        String v = param(name);
        // At most 18 digits always fits a long; leading zeros are not a second spelling of the same number.
        if (v == null || !v.matches("0|[1-9][0-9]{0,17}") || Long.parseLong(v) > max) {
            throw new ApiException(invalid, name + " must be an integer from 0 to " + max);
        }
        return Long.parseLong(v);
    }
}
