package dev.carapace.client;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KelException;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.Utf8;
import dev.carapace.crypto.httpsig.ContentDigest;
import dev.carapace.crypto.httpsig.HttpSignature;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client for one hub. Every request that needs it is signed automatically. Thread-safe.
 *
 * <p>Rate limits: after {@link #waitOutRateLimits}, a {@code 429} answer with {@code Retry-After} is waited out and
 * the request sent again (signed afresh), at most {@value #MAX_RATE_LIMIT_RETRIES} times per request and only when
 * the hub asks for at most {@value #MAX_RETRY_AFTER_SECONDS} s; otherwise, and by default, the 429 is thrown. The hub
 * refuses a rate-limited request before handling it, so sending it again never does anything twice.
 *
 * <p>A hub is not trusted to be well-behaved: every request times out (30 s by default), and an answer longer than
 * {@link #MAX_ANSWER_BYTES} (or the limit given) is refused as soon as it is announced or read that far, never
 * buffered whole.
 */
public final class HubClient {
    public static final String LINK_CONSENT_TYPE = dev.carapace.crypto.PayloadTypes.OWNER_LINK_CONSENT;
    /** The longest {@code Retry-After} waited out; a longer one is reported at once. */
    public static final int MAX_RETRY_AFTER_SECONDS = 60;
    /** How many times one request is sent again after a 429. */
    public static final int MAX_RATE_LIMIT_RETRIES = 3;
    /**
     * The longest answer read by default: above the largest the documented protocol allows (an inbox page of 200
     * items of up to 256 KiB each, in base64).
     */
    public static final long MAX_ANSWER_BYTES = 96L << 20;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Told about each wait for a rate limit, once a second with the seconds left (a countdown), then with 0. */
    @FunctionalInterface
    public interface RateLimitWait {
        void secondsLeft(long seconds);

        RateLimitWait SILENT = seconds -> { };
    }

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    private final long maxAnswerBytes;
    private volatile RateLimitWait rateLimitWait; // null: a 429 is thrown at once

    public HubClient(URI base) {
        this(base, DEFAULT_TIMEOUT, MAX_ANSWER_BYTES);
    }

    /** A client whose requests time out after {@code timeout} and refuse answers longer than {@code maxAnswerBytes}. */
    public HubClient(URI base, Duration timeout, long maxAnswerBytes) {
        if (timeout.isNegative() || timeout.isZero() || maxAnswerBytes < 1) {
            throw new IllegalArgumentException("a timeout and an answer limit must be positive");
        }
        this.timeout = timeout;
        this.maxAnswerBytes = maxAnswerBytes;
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.http = HttpClient.newBuilder().connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout
                        : Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public URI base() {
        return base;
    }

    /**
     * Waits out rate limits as the hub's {@code Retry-After} asks (bounded, see above), telling {@code observer}
     * (e.g. a countdown on a terminal, or {@link RateLimitWait#SILENT}).
     */
    public HubClient waitOutRateLimits(RateLimitWait observer) {
        this.rateLimitWait = observer;
        return this;
    }

    // --- raw requests --------------------------------------------------------------------------------------------

    /** Sends a request, signed when {@code signer} is given, and returns the parsed JSON answer. */
    public JsonNode send(String method, String path, JsonNode body, Signer signer)
            throws IOException, HubException {
        byte[] bytes = body == null ? new byte[0] : Json.compact(body).getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; ; attempt++) {
            HttpResponse<byte[]> r = sendRaw(method, path, bytes, signer, Map.of());
            long wait = r.statusCode() == 429 && rateLimitWait != null && attempt < MAX_RATE_LIMIT_RETRIES
                    ? retryAfter(r) : -1;
            if (wait < 0) {
                return answer(r);
            }
            waitOut(wait);
        }
    }

    /** The seconds a 429 asks to wait, or -1 when it gives none or more than {@link #MAX_RETRY_AFTER_SECONDS}. */
    private static long retryAfter(HttpResponse<byte[]> r) {
        String v = r.headers().firstValue("Retry-After").orElse("");
        if (!v.matches("[0-9]{1,6}")) {
            return -1; // absent, or an HTTP date: not waited out
        }
        long s = Long.parseLong(v);
        return s <= MAX_RETRY_AFTER_SECONDS ? s : -1;
    }

    private void waitOut(long seconds) throws IOException {
        try {
            for (long left = seconds; left > 0; left--) {
                rateLimitWait.secondsLeft(left);
                Thread.sleep(1000);
            }
            rateLimitWait.secondsLeft(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting out a rate limit", e);
        }
    }

    /** Sends exactly these bytes; for tests and tools that need to send what a well-behaved client never would. */
    public HttpResponse<byte[]> sendRaw(String method, String path, byte[] body, Signer signer,
                                        Map<String, String> extraHeaders) throws IOException {
        URI uri = URI.create(base + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body.length > 0 && extraHeaders.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
            b.header("Content-Type", "application/json");
        }
        extraHeaders.forEach(b::header);
        if (signer != null) {
            String digest = ContentDigest.header(body);
            b.header("Content-Digest", digest);
            HttpSignature.Message msg = new HttpSignature.Message() {
                @Override
                public String method() {
                    return method;
                }

                @Override
                public String targetUri() {
                    return uri.toString();
                }

                @Override
                public String header(String name) {
                    return name.equals("content-digest") ? digest : null;
                }
            };
            try {
                HttpSignature.Headers h = HttpSignature.sign(msg, signer.keyId(), signer.key(),
                        System.currentTimeMillis() / 1000, Bytes.b64url(Bytes.random(16)));
                b.header("Signature-Input", h.signatureInput());
                b.header("Signature", h.signature());
            } catch (CryptoException e) {
                throw new IllegalStateException("cannot sign request", e);
            }
        }
        try {
            return http.send(b.build(), info -> BoundedBody.of(info, maxAnswerBytes));
        } catch (HttpTimeoutException e) {
            throw new HttpTimeoutException("the hub did not answer " + method + " " + path + " within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The JSON answer of a raw request, or the hub's error as a {@link HubException} (for callers of sendRaw). */
    public static JsonNode answer(HttpResponse<byte[]> r) throws HubException {
        JsonNode node;
        try {
            node = r.body().length == 0 ? Json.object() : Json.parse(r.body());
        } catch (CryptoException e) {
            throw new HubException(r.statusCode(), "bad_response", "the hub answered something that is not JSON");
        }
        if (r.statusCode() >= 400) {
            throw new HubException(r.statusCode(), node.path("reason").asString("unknown"),
                    node.path("error").asString("request failed"));
        }
        return node;
    }

    // --- identities ----------------------------------------------------------------------------------------------

    public JsonNode register(KeyEventLog log, Ed25519KeyPair currentKey) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("identity", log.toJson());
        return send("POST", "/v1/identities", body, Signer.current(log, currentKey));
    }

    /** Fetches and verifies an identity document; the id must match the one asked for. */
    public KeyEventLog identity(String id) throws IOException, HubException {
        JsonNode doc = send("GET", "/v1/identities/" + id, null, null);
        try {
            KeyEventLog log = KeyEventLog.fromJson(doc);
            if (!log.id().toString().equals(id)) {
                throw new HubException(200, "wrong_identity", "the hub returned another identity");
            }
            return log;
        } catch (KelException e) {
            throw new HubException(200, "invalid_identity", "the hub returned an invalid history: " + e.getMessage());
        }
    }

    /** Publishes a rotation: the newer log, signed by its (new) current key. */
    public JsonNode publishKeyEvents(KeyEventLog newer, Ed25519KeyPair newCurrentKey)
            throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("identity", newer.toJson());
        return send("POST", "/v1/identities/" + newer.id() + "/events", body, Signer.current(newer, newCurrentKey));
    }

    public JsonNode agentOwner(Signer agent, String agentId) throws IOException, HubException {
        return send("GET", "/v1/agents/" + agentId + "/owner", null, agent);
    }

    // --- owners --------------------------------------------------------------------------------------------------

    public JsonNode registerOwner(KeyEventLog owner, Ed25519KeyPair key, String email, String displayName)
            throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("identity", owner.toJson());
        body.put("email", email);
        body.put("displayName", displayName);
        return send("POST", "/v1/owners", body, Signer.current(owner, key));
    }

    /** The agent's side of a link: a signed statement that it consents to be claimed by {@code ownerId}. */
    public static Dsse.Envelope linkConsent(KeyEventLog agent, Ed25519KeyPair agentKey, String ownerId) {
        ObjectNode st = Json.object();
        st.put("type", "carapace.owner-link.v1");
        st.put("owner", ownerId);
        st.put("agent", agent.id().toString());
        st.put("ts", System.currentTimeMillis());
        try {
            return Dsse.sign(LINK_CONSENT_TYPE, CanonicalJson.encode(st), agent.currentKeyId(), agentKey);
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Links an agent: the owner countersigns the agent's consent (a second DSSE signature over the same payload), so
     * the consent the hub logs shows both parties agreed, and signs the request.
     */
    public JsonNode link(Signer owner, String ownerId, Dsse.Envelope consent) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("consent", countersign(consent, owner).toJson());
        return send("POST", "/v1/owners/" + ownerId + "/agents", body, owner);
    }

    /** The consent with the owner's signature added (unless it carries one by that key already). */
    public static Dsse.Envelope countersign(Dsse.Envelope consent, Signer owner) {
        boolean signed = consent.signatures().stream().anyMatch(s -> s.keyid().equals(owner.keyId()));
        return signed ? consent : consent.withSignature(Dsse.signature(consent.payloadType(), consent.payload(),
                owner.keyId(), owner.key()));
    }

    public JsonNode ownerProfile(Signer owner, String ownerId) throws IOException, HubException {
        return send("GET", "/v1/owners/" + ownerId, null, owner);
    }

    public JsonNode export(Signer owner, String ownerId) throws IOException, HubException {
        return send("GET", "/v1/owners/" + ownerId + "/export", null, owner);
    }

    public JsonNode accessLog(Signer owner, String ownerId) throws IOException, HubException {
        return send("GET", "/v1/owners/" + ownerId + "/access-log", null, owner);
    }

    public JsonNode deleteOwner(Signer owner, String ownerId) throws IOException, HubException {
        return send("DELETE", "/v1/owners/" + ownerId, null, owner);
    }

    /** Appends a DSSE envelope (signed by the caller's current key) to the hub's transparency log. */
    public JsonNode appendToLog(Signer signer, Dsse.Envelope envelope) throws IOException, HubException {
        return send("POST", "/v1/log/entries", envelope.toJson(), signer);
    }

    /** Envelopes the hub takes in one {@link #appendAllToLog} call. */
    public static final int MAX_LOG_BATCH = 32;

    /**
     * Appends up to {@value #MAX_LOG_BATCH} DSSE envelopes (signed by the caller's current key) in one request, all or
     * none, at consecutive indexes; answers their receipts in order. The batch costs as many requests of the caller's
     * rate limit as it holds envelopes.
     */
    public List<JsonNode> appendAllToLog(Signer signer, List<Dsse.Envelope> envelopes)
            throws IOException, HubException {
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("envelopes");
        envelopes.forEach(e -> list.add(e.toJson()));
        JsonNode r = send("POST", "/v1/log/batch", body, signer);
        List<JsonNode> receipts = new ArrayList<>();
        r.path("entries").forEach(receipts::add);
        if (receipts.size() != envelopes.size()) {
            throw new HubException(201, "bad_response", "the hub acknowledged " + receipts.size() + " of "
                    + envelopes.size() + " envelopes");
        }
        return receipts;
    }

    /** The latest signed checkpoint note, as served, with the cosignatures the hub has collected. */
    public String checkpoint() throws IOException, HubException {
        return text("/checkpoint");
    }

    /** The largest checkpoint cosigned by at least {@code k} of the log's witnesses. */
    public String witnessedCheckpoint(int k) throws IOException, HubException {
        return text("/v1/log/checkpoint/witnessed/" + k);
    }

    /** Hands the hub a checkpoint note carrying a witness's cosignature; answers the witnesses it accepted. */
    public JsonNode submitCosignature(String cosignedNote) throws IOException, HubException {
        return answer(sendRaw("POST", "/v1/log/cosignatures", cosignedNote.getBytes(StandardCharsets.UTF_8), null,
                Map.of("Content-Type", "text/plain; charset=utf-8")));
    }

    public List<byte[]> consistencyProof(long from, long to) throws IOException, HubException {
        return hashes(send("GET", "/v1/log/proof/consistency/" + from + "/" + to, null, null));
    }

    public List<byte[]> inclusionProof(long index, long size) throws IOException, HubException {
        return hashes(send("GET", "/v1/log/proof/inclusion/" + index + "/" + size, null, null));
    }

    /** The log entry at {@code index}; unverified until checked against a checkpoint. */
    public byte[] logEntry(long index) throws IOException, HubException {
        JsonNode r = send("GET", "/v1/log/entries/" + index, null, null);
        try {
            return Bytes.fromB64(r.path("entry").asString(""));
        } catch (CryptoException e) {
            throw new HubException(200, "bad_response", "the entry is not base64");
        }
    }

    /** A C2SP tile (path below {@code /tile/}, e.g. {@code entries/000.p/12}), as raw bytes. */
    public byte[] tile(String path) throws IOException, HubException {
        return getBytes("/tile/" + path);
    }

    /** The body of an unsigned GET that answers 200, as raw bytes; any other answer as a {@link HubException}. */
    public byte[] getBytes(String path) throws IOException, HubException {
        HttpResponse<byte[]> r = sendRaw("GET", path, new byte[0], null, Map.of());
        if (r.statusCode() != 200) {
            answer(r);
            throw new HubException(r.statusCode(), "unexpected_status", "the hub answered " + r.statusCode());
        }
        return r.body();
    }

    private String text(String path) throws IOException, HubException {
        try {
            return Utf8.decode(getBytes(path));
        } catch (CryptoException e) {
            throw new IOException("the hub's answer to " + path + " is not text: " + e.getMessage());
        }
    }

    private static List<byte[]> hashes(JsonNode r) throws HubException {
        List<byte[]> out = new ArrayList<>();
        for (JsonNode h : r.path("proof")) {
            try {
                out.add(Bytes.fromB64(h.asString()));
            } catch (CryptoException e) {
                throw new HubException(200, "bad_response", "a proof hash is not base64");
            }
        }
        return out;
    }

    public JsonNode wellKnown() throws IOException, HubException {
        return send("GET", "/.well-known/carapace", null, null);
    }
}
