package dev.carapace.hub;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KelException;
import dev.carapace.crypto.KeyEvent;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.OwnerLinkConsent;
import dev.carapace.hub.auth.RequestAuthenticator;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.limits.RateLimiter;
import dev.carapace.hub.log.LogOutbox;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.hub.owners.OwnerService;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.IdentityStore;
import dev.carapace.protocol.ErrorReason;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The identity and owner routes of {@code /v1}: what each does and who may call it. */
final class HubApi {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HubApi.class);

    static final long CONSENT_MAX_AGE_MS = HubLimits.CONSENT_MAX_AGE_MS;
    /** Clock skew allowed to a consent dated ahead of the hub's clock: the signature window. */
    static final long CONSENT_SKEW_MS = HubLimits.SIGNATURE_WINDOW_SECONDS * 1000;
    /** Events a history carried in a body (so any stored history) may hold on this hub. */
    static final int MAX_HISTORY_EVENTS = HubLimits.HISTORY_EVENTS;
    /** Bytes of a request that carries a history: 256 events take about 110 kB. */
    static final int MAX_HISTORY_BODY_BYTES = HubLimits.HISTORY_BODY_BYTES;
    static final long NEW_IDENTITY_MS = HubLimits.NEW_IDENTITY_MS;

    private final Database db;
    private final IdentityStore identities;
    private final OwnerService owners;
    private final RequestAuthenticator authenticator;
    private final Clock clock;
    /** Accepted key events are owed to the transparency log in the transaction that accepts them. */
    private final LogOutbox logOutbox;

    /** Whether reputation gives an identity standing on this hub: then its tier is {@code TRUSTED}. */
    private final java.util.function.Predicate<String> standing;

    HubApi(Database db, IdentityStore identities, OwnerService owners, RequestAuthenticator authenticator, Clock clock,
           LogOutbox logOutbox, java.util.function.Predicate<String> standing) {
        this.standing = standing;
        this.logOutbox = logOutbox;
        this.db = db;
        this.identities = identities;
        this.owners = owners;
        this.authenticator = authenticator;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(
                new Route("POST", "/v1/identities", Route.Auth.SIGNED_BY_BODY, "identities",
                        "Register an identity: its key event log, signed by its current key.", this::register),
                new Route("GET", "/v1/identities/{id}", Route.Auth.PUBLIC, "identities",
                        "The identity document (verified key event log) of an agent or owner.", this::identity),
                new Route("POST", "/v1/identities/{id}/events", Route.Auth.SIGNED_BY_BODY, "identities",
                        "Accept key events: a longer log that extends the stored one, signed by the new key.",
                        this::keyEvents),
                new Route("GET", "/v1/agents/{id}/owner", Route.Auth.SIGNED, "agents",
                        "The owner an agent is linked to; the agent itself only.", this::agentOwner),
                new Route("POST", "/v1/owners", Route.Auth.SIGNED_BY_BODY, "owners",
                        "Register an owner: identity document, email and display name (sealed at rest).",
                        this::registerOwner),
                new Route("GET", "/v1/owners/{id}", Route.Auth.SIGNED, "owners",
                        "The owner's profile; the owner only; logged.", this::ownerProfile),
                new Route("POST", "/v1/owners/{id}/agents", Route.Auth.SIGNED, "owners",
                        "Link an agent: the owner signs the request, the agent's signed consent is in the body.",
                        this::link),
                new Route("GET", "/v1/owners/{id}/agents", Route.Auth.SIGNED, "owners",
                        "The agents linked to the owner; the owner only.", this::linkedAgents),
                new Route("GET", "/v1/owners/{id}/export", Route.Auth.SIGNED, "owners",
                        "Everything held about the owner, as JSON; logged.", this::export),
                new Route("GET", "/v1/owners/{id}/access-log", Route.Auth.SIGNED, "owners",
                        "Every access to the owner's data, by anyone.", this::accessLog),
                new Route("DELETE", "/v1/owners/{id}", Route.Auth.SIGNED, "owners",
                        "Delete the owner's data by crypto-shredding; returns a receipt signed by the hub.",
                        this::deleteOwner));
    }

    // --- authentication support --------------------------------------------------------------------------------

    /** The current key of a stored identity, read without re-verifying its whole history. */
    RequestAuthenticator.CurrentKey storedKey(String id) throws SQLException {
        IdentityStore.CurrentKey stored = identities.currentKey(id).orElse(null);
        if (stored == null) {
            return null;
        }
        try {
            return new RequestAuthenticator.CurrentKey(id, stored.seq(), stored.kind(),
                    authenticator.cachedKey(stored.key()));
        } catch (CryptoException e) {
            throw new SQLException("stored key of " + id + " is invalid");
        }
    }

    /**
     * For registration and key events, before the request is authenticated and before any work in proportion to the
     * body: the signer's key. The stored current key when the hub holds the identity and the key id names no newer
     * key (so a rotated-out key id is refused as stale without reading the body); else the key established by the
     * claimed event of the body's history, read from that event and the inception alone, the inception checked against
     * the id. The handler verifies the whole history afterwards ({@link #signedHistory}).
     */
    RequestAuthenticator.CurrentKey bodyKey(Call call, RequestAuthenticator.Claim claim)
            throws ApiException, SQLException {
        RequestAuthenticator.CurrentKey stored = storedKey(claim.id());
        if (stored != null && claim.seq() <= stored.seq()) {
            return stored;
        }
        JsonNode events = historyJson(call).get("events");
        if (events == null || !events.isArray() || claim.seq() >= events.size()) {
            return null; // the body names no such key: unknown_key
        }
        try {
            KeyEvent inception = KeyEvent.fromJson(events.get(0));
            KeyEvent claimed = claim.seq() == 0 ? inception : KeyEvent.fromJson(events.get((int) claim.seq()));
            if (inception.type() != KeyEvent.Type.INCEPTION
                    || !AgentId.fromInceptionDigest(inception.digest()).toString().equals(claim.id())
                    || claimed.seq() != claim.seq()) {
                return null;
            }
            return new RequestAuthenticator.CurrentKey(claim.id(), claim.seq(), inception.kind(), claimed.key());
        } catch (KelException e) {
            throw new ApiException(ErrorReason.INVALID_IDENTITY, e.reason().name().toLowerCase() + ": " + e.getMessage());
        }
    }

    /**
     * The one check every route that carries a history in its body makes, after authentication: the history verifies,
     * it is the signer's, and the key that signed the request is its current key. With the stored-key rule of
     * {@link #bodyKey}, a history older than the stored one, or any key but the current one, never gets through.
     */
    private static KeyEventLog signedHistory(Call call) throws ApiException {
        KeyEventLog log = call.once("identity", KeyEventLog.class, () -> {
            try {
                return KeyEventLog.fromJson(historyJson(call));
            } catch (KelException e) {
                throw new ApiException(ErrorReason.INVALID_IDENTITY, e.reason().name().toLowerCase() + ": "
                        + e.getMessage());
            }
        });
        RequestAuthenticator.CurrentKey signer = call.caller().key();
        if (!log.id().toString().equals(signer.id())) {
            throw new ApiException(ErrorReason.WRONG_IDENTITY, "the history in the body is not the signer's");
        }
        if (log.currentSeq() != signer.seq() || !log.currentKey().equals(signer.key())) {
            throw new ApiException(ErrorReason.STALE_KEY, "the request must be signed by the current key of the"
                    + " history it carries (" + log.currentKeyId() + ")");
        }
        return log;
    }

    /**
     * The history in the body as JSON, bounded before it is looked at: the body's size, then the number of events. A
     * bounded history bounds what verifying it costs, on this request and on every later read of the stored copy.
     */
    private static JsonNode historyJson(Call call) throws ApiException {
        if (call.body().length > MAX_HISTORY_BODY_BYTES) {
            throw new ApiException(ErrorReason.BODY_TOO_LARGE, "a request carrying an identity document is limited to "
                    + MAX_HISTORY_BODY_BYTES + " bytes");
        }
        JsonNode doc = call.json().get("identity");
        if (doc == null || !doc.isObject()) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field 'identity' (an identity document) is required");
        }
        JsonNode events = doc.get("events");
        if (events != null && events.isArray() && events.size() > MAX_HISTORY_EVENTS) {
            throw new ApiException(ErrorReason.HISTORY_TOO_LONG, "this hub accepts identity histories of at most "
                    + MAX_HISTORY_EVENTS + " events");
        }
        return doc;
    }

    /** Tiers change rarely (a link, an identity's first day); a few seconds of staleness saves two queries a call. */
    private static final long TIER_CACHE_MS = HubLimits.TIER_CACHE_MS;

    private record CachedTier(RateLimiter.Tier tier, long until) {}

    private final java.util.concurrent.ConcurrentHashMap<String, CachedTier> tierCache =
            new java.util.concurrent.ConcurrentHashMap<>();

    RateLimiter.Tier tierOf(Call.Caller caller) throws SQLException {
        return tierOf(caller.id(), caller.kind());
    }

    /** The tier of a registered identity, for the reputation route; null for an id this hub does not hold. */
    String tierName(String id) throws SQLException {
        RequestAuthenticator.CurrentKey k = storedKey(id);
        return k == null ? null : tierOf(id, k.kind()).name();
    }

    private RateLimiter.Tier tierOf(String id, String kind) throws SQLException {
        long now = clock.millis();
        CachedTier cached = tierCache.get(id);
        if (cached != null && cached.until() > now) {
            return cached.tier();
        }
        long created = identities.createdMs(id).orElse(now);
        RateLimiter.Tier tier;
        if (standing.test(id)) {
            tier = RateLimiter.Tier.TRUSTED; // reputation vouches for it, however young (docs/reputation.md)
        } else if (now - created < NEW_IDENTITY_MS) {
            tier = RateLimiter.Tier.NEW;
        } else if ("owner".equals(kind) || owners.ownerOf(id).isPresent()) {
            tier = RateLimiter.Tier.VERIFIED;
        } else {
            tier = RateLimiter.Tier.ANONYMOUS;
        }
        if (tierCache.size() > HubLimits.TIER_CACHE_ENTRIES) {
            tierCache.clear();
        }
        tierCache.put(id, new CachedTier(tier, now + TIER_CACHE_MS));
        return tier;
    }

    // --- identities ---------------------------------------------------------------------------------------------

    private Reply register(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "identity");
        KeyEventLog log = signedHistory(call);
        List<LogOutbox.Pending> owed = switch (identities.register(log, clock.millis(),
                (c, from) -> oweEvents(c, log, from))) {
            case IdentityStore.Registered<List<LogOutbox.Pending>> r -> r.alongside();
            case IdentityStore.AlreadyRegistered<List<LogOutbox.Pending>> r -> throw new ApiException(ErrorReason.ALREADY_REGISTERED, "identity " + log.id() + " is already registered");
        };
        ObjectNode o = Json.object();
        o.put("id", log.id().toString());
        o.put("seq", log.currentSeq());
        putLogIndex(o, owed);
        return Reply.json(201, o);
    }

    /** Owes the log the events of {@code log} from position {@code from} on, each as its canonical signed JSON. */
    private List<LogOutbox.Pending> oweEvents(Connection c, KeyEventLog log, int from) throws SQLException {
        List<LogOutbox.Pending> owed = new ArrayList<>();
        for (int i = from; i < log.events().size(); i++) {
            byte[] event;
            try {
                event = CanonicalJson.encode(log.events().get(i).toJson());
            } catch (CryptoException e) {
                throw new IllegalStateException("a verified key event does not encode", e);
            }
            owed.add(logOutbox.add(c, event, log.id().toString()));
        }
        return owed;
    }

    /**
     * Logs what a committed change owes and answers the index of its last entry. If the log cannot take it now, the
     * change stands (it is committed) and the events are logged with the next change or at the next start: the
     * answer says so.
     */
    private void putLogIndex(ObjectNode o, List<LogOutbox.Pending> owed) throws SQLException {
        try {
            o.put("logIndex", logOutbox.deliverAfterLeftovers(owed));
        } catch (TransparencyLog.UnavailableException e) {
            LOG.warn("transparency log unavailable; {} key event(s) wait in the outbox: {}", owed.size(),
                    e.getMessage());
            o.putNull("logIndex");
            o.put("logPending", true);
        }
    }

    private Reply identity(Call call) throws Exception {
        String id = requireId(call.param("id"));
        String doc = identities.document(id).orElseThrow(() -> ApiException.notFound("no identity " + id));
        return Reply.text(Route.JSON, doc);
    }

    private Reply keyEvents(Call call) throws Exception {
        String id = requireId(call.param("id"));
        JsonNode body = call.json();
        Call.onlyFields(body, "identity");
        KeyEventLog newer = signedHistory(call);
        if (!newer.id().toString().equals(id)) {
            // A valid history, properly signed, aimed at someone else's id: not the caller's to change.
            throw ApiException.forbidden("only the identity itself may add to its history");
        }
        List<LogOutbox.Pending> owed = switch (identities.extend(newer, clock.millis(),
                (c, from) -> oweEvents(c, newer, from))) {
            case IdentityStore.Extended<List<LogOutbox.Pending>> e -> e.alongside();
            // Signed by the key its own body names, for an id this hub never registered: nothing to extend.
            case IdentityStore.UnknownIdentity<List<LogOutbox.Pending>> e -> throw ApiException.notFound(
                    "no identity " + id);
            case IdentityStore.Fork<List<LogOutbox.Pending>> e -> throw new ApiException(ErrorReason.FORK, "the history does not extend the stored one: " + e.why());
            case IdentityStore.NotNewer<List<LogOutbox.Pending>> e -> throw new ApiException(ErrorReason.NOT_NEWER, "the stored history is already at or past this one");
        };
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("seq", newer.currentSeq());
        putLogIndex(o, owed);
        return Reply.json(201, o);
    }

    private Reply agentOwner(Call call) throws Exception {
        String id = requireSelf(call);
        String owner = owners.ownerOf(id).orElseThrow(() -> ApiException.notFound("this agent has no owner"));
        ObjectNode o = Json.object();
        o.put("agent", id);
        o.put("owner", owner);
        return Reply.ok(o);
    }

    // --- owners -------------------------------------------------------------------------------------------------

    private Reply registerOwner(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "identity", "email", "displayName");
        KeyEventLog log = signedHistory(call);
        if (!"owner".equals(log.kind())) {
            throw new ApiException(ErrorReason.WRONG_KIND, "an owner identity has kind 'owner'");
        }
        String email = Call.text(body, "email", HubLimits.EMAIL_CHARS);
        if (!email.matches("[^@\\s]+@[^@\\s]+")) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field 'email' is not an email address");
        }
        String name = Call.text(body, "displayName", HubLimits.DISPLAY_NAME_CHARS);
        long now = clock.millis();
        record Registration(boolean current, boolean newOwner, List<LogOutbox.Pending> owed) {}
        Registration r = db.inTransaction(c -> {
            boolean newIdentity = identities.insert(c, log, now);
            if (!newIdentity && !identities.holdCurrent(c, log.id().toString(), log.currentSeq())) {
                return new Registration(false, false, List.of()); // rotated since the request was authenticated
            }
            boolean newOwner = owners.insert(c, log.id().toString(), email, name, now);
            return new Registration(true, newOwner, newIdentity ? oweEvents(c, log, 0) : List.of());
        });
        if (!r.current()) {
            throw new ApiException(ErrorReason.STALE_KEY, "the stored history of " + log.id() + " is not the one"
                    + " this request carries; sign with the current key and carry the stored history");
        }
        if (!r.newOwner()) {
            throw new ApiException(ErrorReason.ALREADY_REGISTERED, "owner " + log.id() + " is already registered");
        }
        ObjectNode o = Json.object();
        putLogIndex(o, r.owed());
        o.put("id", log.id().toString());
        return Reply.json(201, o);
    }

    private Reply ownerProfile(Call call) throws Exception {
        String id = requireSelf(call);
        OwnerService.Profile p = owners.read(id, call.caller().id(), "read", clock.millis())
                .orElseThrow(() -> ApiException.notFound("no owner " + id));
        ObjectNode o = Json.object();
        o.put("id", p.ownerId());
        o.put("email", p.email());
        o.put("displayName", p.displayName());
        o.put("createdMs", p.createdMs());
        return Reply.ok(o);
    }

    private Reply link(Call call) throws Exception {
        String ownerId = requireSelf(call);
        if (!"owner".equals(call.caller().kind())) {
            throw new ApiException(ErrorReason.NOT_AN_OWNER, "only a registered owner links agents");
        }
        JsonNode body = call.json();
        Call.onlyFields(body, "consent");
        Dsse.Envelope consent;
        OwnerLinkConsent statement;
        try {
            consent = Dsse.fromJson(body.get("consent"));
            statement = OwnerLinkConsent.parse(consent);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_CONSENT, e.getMessage());
        }
        if (!ownerId.equals(statement.owner())) {
            throw new ApiException(ErrorReason.INVALID_CONSENT, "the consent is not for this owner");
        }
        String agentId = requireId(statement.agent());
        long ts = statement.ts();
        long now = clock.millis();
        if (ts > now + CONSENT_SKEW_MS) {
            throw new ApiException(ErrorReason.INVALID_CONSENT, "the consent is dated in the future");
        }
        if (now - ts > CONSENT_MAX_AGE_MS) {
            throw new ApiException(ErrorReason.INVALID_CONSENT, "the consent is older than 10 minutes");
        }
        RequestAuthenticator.CurrentKey agent = storedKey(agentId);
        if (agent == null || !"agent".equals(agent.kind())) {
            throw ApiException.notFound("no agent " + agentId);
        }
        try {
            agent.requireSigned(consent);
        } catch (CryptoException e) {
            throw ApiException.forbidden("the consent is not signed by the agent's current key");
        }
        try {
            call.caller().key().requireSigned(consent);
        } catch (CryptoException e) {
            // The logged consent then shows, to anyone reading the log, that both parties agreed (docs/reputation.md).
            throw ApiException.forbidden("the consent must also carry the owner's signature by its current key");
        }
        // The consent binds to the agent's key as it is when the link is written, not as it was when it was read.
        // An accepted link is owed to the transparency log (reputation counts an owner's agents once together).
        record Linked(OwnerService.LinkResult result, List<LogOutbox.Pending> owed) {}
        Linked done = db.inTransaction(c -> {
            if (!identities.holdCurrent(c, agentId, agent.seq())) {
                return null;
            }
            OwnerService.LinkResult r = owners.link(c, ownerId, agentId, consent, clock.millis());
            return new Linked(r, r == OwnerService.LinkResult.LINKED
                    ? List.of(logOutbox.add(c, consent.toBytes(), ownerId)) : List.of());
        });
        OwnerService.LinkResult linked = done == null ? null : done.result();
        if (linked == null) {
            throw ApiException.forbidden("the consent is not signed by the agent's current key");
        }
        switch (linked) {
            case NOT_AN_OWNER -> throw new ApiException(ErrorReason.NOT_AN_OWNER, "only a registered owner links agents"
                    + " (POST /v1/owners first)");
            case ALREADY_LINKED -> throw new ApiException(ErrorReason.ALREADY_LINKED, "agent " + agentId
                    + " already has an owner");
            case LINKED -> { }
        }
        ObjectNode o = Json.object();
        o.put("owner", ownerId);
        o.put("agent", agentId);
        putLogIndex(o, done.owed());
        return Reply.json(201, o);
    }

    private Reply linkedAgents(Call call) throws Exception {
        String ownerId = requireSelf(call);
        ObjectNode o = Json.object();
        var arr = o.putArray("agents");
        db.read(c -> owners.agentsOf(c, ownerId)).forEach(arr::add);
        return Reply.ok(o);
    }

    private Reply export(Call call) throws Exception {
        String ownerId = requireSelf(call);
        return Reply.ok(owners.export(ownerId, call.caller().id(), clock.millis())
                .orElseThrow(() -> ApiException.notFound("no owner " + ownerId)));
    }

    private Reply accessLog(Call call) throws Exception {
        String ownerId = requireSelf(call);
        ObjectNode o = Json.object();
        o.put("owner", ownerId);
        o.set("entries", owners.accessLog(ownerId));
        return Reply.ok(o);
    }

    private Reply deleteOwner(Call call) throws Exception {
        String ownerId = requireSelf(call);
        Dsse.Envelope receipt = owners.delete(ownerId, clock.millis())
                .orElseThrow(() -> ApiException.notFound("no owner " + ownerId));
        ObjectNode o = Json.object();
        o.set("receipt", receipt.toJson());
        return Reply.ok(o);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static String requireId(String id) throws ApiException {
        try {
            return AgentId.parse(id).toString();
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ID, "not a valid identity id: " + e.getMessage());
        }
    }

    /** Owner and agent data is readable by its own identity only; anyone else gets the same 403. */
    private static String requireSelf(Call call) throws ApiException {
        String id = requireId(call.param("id"));
        if (!id.equals(call.caller().id())) {
            throw ApiException.forbidden("only the identity itself may do this");
        }
        return id;
    }
}
