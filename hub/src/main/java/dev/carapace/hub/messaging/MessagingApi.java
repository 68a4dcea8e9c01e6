package dev.carapace.hub.messaging;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.KeyedBuckets;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.IdentityStore;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.PrivateMessage;
import dev.carapace.protocol.ErrorReason;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The messaging routes: KeyPackages, groups (a total order of handshake messages per group), application messages,
 * per-installation inboxes with acknowledgements, and denials. Every answer comes after the database transaction
 * that made it true has committed, so an accepted message survives a crash of the hub.
 */
public final class MessagingApi {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MessagingApi.class);

    static final int MAX_ONE_TIME_PER_INSTALLATION = 100;
    static final int MAX_KEY_PACKAGES_PER_UPLOAD = 50;
    static final int MAX_INBOX_ITEMS = 200;
    static final int MAX_ROUTING_ENTRIES = 100;
    static final long LONG_POLL_MS = 25_000;
    static final int MAX_LONG_POLLS = 64;
    static final int MAX_LONG_POLLS_PER_SPENDER = 4;
    /**
     * Bytes of commits and messages (as sent, base64 included) one spender (an identity, or an address for new ones)
     * may have the hub store per hour: what is stored stays until every member acknowledged it or retention ends, so
     * storage is bounded per address and identity, not per key.
     */
    public static final int STORED_BYTES_PER_HOUR = 64 << 20;
    /** Claims (answered with any KeyPackage) per claimer and target per hour. */
    public static final int CLAIMS_PER_HOUR = 30;
    /** KeyPackage claims one identity may make per hour across all targets. */
    public static final int CLAIMS_PER_CLAIMER_PER_HOUR = 600;
    /**
     * One-time KeyPackages per installation that one claimer may take from one target per hour; beyond it, and beyond
     * the target's budget below, claims get the (reusable) last-resort KeyPackage, as RFC 9420 §16.8 intends, so a
     * stranger can never take more than a small share of anyone's supply (a client keeps 10 and tops up).
     */
    public static final int ONE_TIME_PER_CLAIMER_PER_HOUR = 2;
    /** One-time KeyPackages per installation that all claimers together may take from one target per hour. */
    public static final int ONE_TIME_PER_TARGET_PER_HOUR = 5;
    /** Installations one agent may hold KeyPackages for (each holds at most {@value #MAX_ONE_TIME_PER_INSTALLATION}). */
    static final int MAX_INSTALLATIONS_PER_AGENT = 32;

    private final Database db;
    private final IdentityStore identities;
    private final Clock clock;
    private final long retentionMs;
    /** Per claimer and target; bounded without resets, so nobody can refill a target's claim budget by flooding. */
    private final KeyedBuckets claims = new KeyedBuckets(CLAIMS_PER_HOUR, Duration.ofHours(1), 200_000);
    private final KeyedBuckets claimsByClaimer = new KeyedBuckets(CLAIMS_PER_CLAIMER_PER_HOUR, Duration.ofHours(1),
            100_000);
    private final KeyedBuckets storedBytes = new KeyedBuckets(STORED_BYTES_PER_HOUR, Duration.ofHours(1), 100_000);
    private final KeyedBuckets oneTimeShares = new KeyedBuckets(ONE_TIME_PER_CLAIMER_PER_HOUR, Duration.ofHours(1),
            200_000);
    private final KeyedBuckets oneTimeByTarget = new KeyedBuckets(ONE_TIME_PER_TARGET_PER_HOUR, Duration.ofHours(1),
            100_000);
    // Installations waiting in a long poll; woken when a message for them is committed by this process.
    private final Map<String, Object> waiters = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong lastPurgeMs = new java.util.concurrent.atomic.AtomicLong();
    // A long poll holds one of the server's (bounded) request threads; beyond this many, polls answer at once.
    private final java.util.concurrent.Semaphore longPolls = new java.util.concurrent.Semaphore(MAX_LONG_POLLS);
    /** Long polls held per spender (an identity, or an address for new ones), so no one client takes them all. */
    private final Map<String, Integer> pollsBySpender = new ConcurrentHashMap<>();
    private final PushChannel push;

    /**
     * @param retention how long an undelivered message is kept ({@code CARAPACE_CHAT_RETENTION_DAYS}, default 30)
     */
    public MessagingApi(Database db, IdentityStore identities, Clock clock, Duration retention) {
        this.db = db;
        this.identities = identities;
        this.clock = clock;
        this.retentionMs = retention.toMillis();
        this.lastPurgeMs.set(clock.millis());
        this.push = new PushChannel(clock);
    }

    /** The hub's default: retention from {@code $CARAPACE_CHAT_RETENTION_DAYS} (default 30 days). */
    public static MessagingApi fromEnvironment(Database db, IdentityStore identities, Clock clock) {
        String days = System.getenv("CARAPACE_CHAT_RETENTION_DAYS");
        long d = 30;
        if (days != null && days.matches("[0-9]{1,5}") && Long.parseLong(days) > 0) {
            d = Long.parseLong(days);
        }
        return new MessagingApi(db, identities, clock, Duration.ofDays(d));
    }

    public List<Route> routes() {
        return Stream.of(
                new Route("POST", "/v1/key-packages", Route.Auth.SIGNED, "messaging",
                        "Upload signed one-time KeyPackages (and optionally the last-resort one) of one of the"
                                + " caller's installations; each must carry a credential certified by the caller's"
                                + " current key.", this::uploadKeyPackages),
                new Route("GET", "/v1/key-packages/{installation}", Route.Auth.SIGNED, "messaging",
                        "How many one-time KeyPackages the caller's installation has left.", this::countKeyPackages),
                new Route("POST", "/v1/agents/{id}/key-packages/claim", Route.Auth.SIGNED, "messaging",
                        "Hand out one KeyPackage per installation of an agent (one-time ones are consumed, the"
                                + " last-resort one is not); rate limited; refused if the agent denies the caller.",
                        this::claimKeyPackages),
                new Route("POST", "/v1/groups", Route.Auth.SIGNED, "messaging",
                        "Register a new group with the caller's installation as its first member and admin.",
                        this::createGroup),
                new Route("GET", "/v1/direct/{id}", Route.Auth.SIGNED, "messaging",
                        "The direct (two-member) group of the caller and another identity.", this::direct),
                new Route("POST", "/v1/groups/{group}/commits", Route.Auth.SIGNED, "messaging",
                        "Submit the commit for the group's current epoch, with routing changes, Welcomes and the"
                                + " new epoch's GroupInfo; or an installation's external commit that resyncs its own"
                                + " leaf; 409 epoch_conflict if another commit for that epoch was accepted.",
                        this::commit),
                new Route("GET", "/v1/groups/{group}/group-info/{installation}", Route.Auth.SIGNED, "messaging",
                        "The group's latest GroupInfo (uploaded with the last commit), for an installation the"
                                + " group is routed to that fell behind and rejoins by an external commit.",
                        this::groupInfo),
                new Route("POST", "/v1/groups/{group}/messages", Route.Auth.SIGNED, "messaging",
                        "Submit an application message (an MLS PrivateMessage of the current epoch); 409"
                                + " stale_epoch if the group has moved on.", this::message),
                new Route("POST", "/v1/groups/{group}/leave", Route.Auth.SIGNED, "messaging",
                        "Stop routing the group to the caller's installation and tell the members, so an admin"
                                + " commits its removal.", this::leave),
                new Route("GET", "/v1/inbox/{installation}", Route.Auth.SIGNED, "messaging",
                        "Everything not yet acknowledged for one of the caller's installations, in order.",
                        call -> inbox(call, false)),
                new Route("GET", "/v1/inbox/{installation}/wait", Route.Auth.SIGNED, "messaging",
                        "Like the inbox, but waits up to 25 s for something to arrive (long poll).",
                        call -> inbox(call, true)),
                new Route("POST", "/v1/inbox/{installation}/push-ticket", Route.Auth.SIGNED, "messaging",
                        "A single-use ticket (valid 60 s) to open the push WebSocket " + PushChannel.PATH + "?ticket=T, which"
                                + " says {\"type\": \"pending\"} whenever the inbox has something new.",
                        this::pushTicket),
                new Route("POST", "/v1/inbox/{installation}/ack", Route.Auth.SIGNED, "messaging",
                        "Acknowledge everything up to a position in each group; acknowledged items are not"
                                + " delivered again.", this::ack),
                new Route("POST", "/v1/contacts/deny", Route.Auth.SIGNED, "messaging",
                        "Refuse an identity: the hub drops its messages and Welcomes to the caller and refuses it"
                                + " the caller's KeyPackages.", call -> denial(call, true)),
                new Route("POST", "/v1/contacts/allow", Route.Auth.SIGNED, "messaging",
                        "Lift a denial.", call -> denial(call, false)))
                .map(r -> new Route(r.method(), r.pattern(), r.auth(), r.tag(), r.summary(), r.bodyType(),
                        refusals(r.handler())))
                .toList();
    }

    // --- KeyPackages -------------------------------------------------------------------------------------------

    private Reply uploadKeyPackages(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "installation", "keyPackages", "lastResort");
        String installation = MlsWire.installation(body.path("installation").asString(null));
        String agent = call.caller().id();
        KeyEventLog log = identities.find(agent).orElseThrow(() -> ApiException.notFound("no identity " + agent))
                .log();
        JsonNode list = body.path("keyPackages");
        if (!list.isArray() || list.size() > MAX_KEY_PACKAGES_PER_UPLOAD) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field 'keyPackages' must be an array of at most "
                    + MAX_KEY_PACKAGES_PER_UPLOAD + " base64 KeyPackages");
        }
        List<MlsWire.CheckedKeyPackage> oneTime = new ArrayList<>();
        for (JsonNode n : list) {
            oneTime.add(MlsWire.keyPackage(MlsWire.base64("keyPackages", n.asString(null),
                    MlsWire.MAX_KEY_PACKAGE_BYTES), log, installation, clock.instant()));
        }
        MlsWire.CheckedKeyPackage lastResort = body.has("lastResort")
                ? MlsWire.keyPackage(MlsWire.base64("lastResort", body.get("lastResort").asString(null),
                        MlsWire.MAX_KEY_PACKAGE_BYTES), log, installation, clock.instant())
                : null;
        long now = clock.millis();
        int available = db.inTransaction(c -> {
            // A fresh upload replaces what an older key certified (e.g. after a rotation).
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_key_packages WHERE ref = ?")) {
                for (String ref : stale(c, agent, installation, log.currentKeyId())) {
                    ps.setString(1, ref);
                    ps.executeUpdate();
                }
            }
            int have = countOneTime(c, agent, installation);
            if (have == 0 && installations(c, agent) >= MAX_INSTALLATIONS_PER_AGENT
                    && !hasKeyPackages(c, agent, installation)) {
                throw new Refusal(new ApiException(ErrorReason.TOO_MANY_INSTALLATIONS, "an agent may keep KeyPackages"
                        + " for at most " + MAX_INSTALLATIONS_PER_AGENT + " installations"));
            }
            if (have + oneTime.size() > MAX_ONE_TIME_PER_INSTALLATION) {
                throw new Refusal(new ApiException(ErrorReason.TOO_MANY_KEY_PACKAGES, "an installation may hold at most "
                        + MAX_ONE_TIME_PER_INSTALLATION + " unused KeyPackages; it has " + have));
            }
            for (MlsWire.CheckedKeyPackage kp : oneTime) {
                have += insertKeyPackage(c, kp, agent, installation, false, now);
            }
            if (lastResort != null) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_key_packages WHERE agent_id = ?"
                        + " AND installation = ? AND last_resort = 1")) {
                    ps.setString(1, agent);
                    ps.setString(2, installation);
                    ps.executeUpdate();
                }
                insertKeyPackage(c, lastResort, agent, installation, true, now);
            }
            return have;
        });
        ObjectNode o = Json.object();
        o.put("installation", installation);
        o.put("available", available);
        return Reply.json(201, o);
    }

    private static int insertKeyPackage(Connection c, MlsWire.CheckedKeyPackage kp, String agent, String inst,
                                        boolean lastResort, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_key_packages (ref, agent_id, installation,"
                + " last_resort, key_package, created_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, kp.ref());
            ps.setString(2, agent);
            ps.setString(3, inst);
            ps.setInt(4, lastResort ? 1 : 0);
            ps.setBytes(5, kp.bytes());
            ps.setLong(6, now);
            return ps.executeUpdate();
        }
    }

    /**
     * The refs of an installation's KeyPackages certified by a key that is no longer the agent's current one. Inviters refuse them: they are never handed out nor counted as the supply,
     * and the installation's next upload replaces them (they are deleted only then, so the installation stays known).
     */
    private static Set<String> stale(Connection c, String agent, String installation, String currentKeyId)
            throws SQLException {
        Set<String> stale = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT ref, key_package FROM chat_key_packages"
                + " WHERE agent_id = ? AND installation = ?")) {
            ps.setString(1, agent);
            ps.setString(2, installation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!currentKeyId.equals(MlsWire.certifiedBy(rs.getBytes(2)))) {
                        stale.add(rs.getString(1));
                    }
                }
            }
        }
        return stale;
    }

    private static int installations(Connection c, String agent) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(DISTINCT installation) FROM chat_key_packages"
                + " WHERE agent_id = ?")) {
            ps.setString(1, agent);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static boolean hasKeyPackages(Connection c, String agent, String installation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chat_key_packages WHERE agent_id = ? AND"
                + " installation = ?")) {
            ps.setString(1, agent);
            ps.setString(2, installation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static int countOneTime(Connection c, String agent, String installation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM chat_key_packages WHERE agent_id = ?"
                + " AND installation = ? AND last_resort = 0")) {
            ps.setString(1, agent);
            ps.setString(2, installation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** An installation exists once it uploaded KeyPackages or was routed a group; others get the same 404. */
    private void requireKnownInstallation(String agent, String installation) throws Exception {
        boolean known = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chat_key_packages WHERE agent_id = ? AND"
                    + " installation = ? UNION ALL SELECT 1 FROM chat_members WHERE agent_id = ? AND"
                    + " installation = ?")) {
                ps.setString(1, agent);
                ps.setString(2, installation);
                ps.setString(3, agent);
                ps.setString(4, installation);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (!known) {
            throw ApiException.notFound("you have no installation " + installation);
        }
    }

    private Reply countKeyPackages(Call call) throws Exception {
        String installation = MlsWire.installation(call.param("installation"));
        String agent = call.caller().id();
        requireKnownInstallation(agent, installation);
        String keyId = identities.find(agent).orElseThrow(() -> ApiException.notFound("no identity " + agent)).log()
                .currentKeyId();
        // What the caller counts on is what inviters can use: KeyPackages an older key certified are not counted,
        // so a rotated agent's top-up replaces them.
        int[] n = new int[1];
        boolean[] lastResort = new boolean[1];
        db.read(c -> {
            Set<String> stale = stale(c, agent, installation, keyId);
            try (PreparedStatement ps = c.prepareStatement("SELECT ref, last_resort FROM chat_key_packages WHERE"
                    + " agent_id = ? AND installation = ?")) {
                ps.setString(1, agent);
                ps.setString(2, installation);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (stale.contains(rs.getString(1))) {
                            continue;
                        }
                        if (rs.getInt(2) == 1) {
                            lastResort[0] = true;
                        } else {
                            n[0]++;
                        }
                    }
                }
            }
            return null;
        });
        ObjectNode o = Json.object();
        o.put("installation", installation);
        o.put("available", n[0]);
        o.put("lastResort", lastResort[0]);
        return Reply.ok(o);
    }

    private Reply claimKeyPackages(Call call) throws Exception {
        String target = MlsWire.agentId(call.param("id"));
        if (call.body().length > 0) {
            Call.onlyFields(call.json());
        }
        String claimer = call.caller().id();
        // New identities from one address claim as that address: minting keys buys no extra share.
        String spender = call.spender();
        // Per claimer first, so one identity cannot fill the per-pair table with made-up targets.
        if (claimsByClaimer.tryAcquire(spender) != 0 || claims.tryAcquire(spender + ">" + target) != 0) {
            throw new ApiException(ErrorReason.RATE_LIMITED, "too many KeyPackage claims for this agent; try later", 120);
        }
        if (denies(target, claimer)) {
            throw ApiException.forbidden("this agent does not accept you");
        }
        // A one-time KeyPackage only within this claimer's share and the target's budget; the last-resort one else.
        boolean oneTime = oneTimeShares.tryAcquire(spender + ">" + target) == 0
                && oneTimeByTarget.tryAcquire(target) == 0;
        String targetKeyId = identities.find(target).map(i -> i.log().currentKeyId()).orElse(null);
        if (targetKeyId == null) {
            throw ApiException.notFound("agent " + target + " has no KeyPackages");
        }
        ArrayNode out = Json.object().arrayNode();
        db.inTransaction(c -> {
            List<String> installations = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT installation FROM chat_key_packages"
                    + " WHERE agent_id = ? ORDER BY installation")) {
                ps.setString(1, target);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        installations.add(rs.getString(1));
                    }
                }
            }
            for (String inst : installations) {
                Set<String> stale = stale(c, target, inst, targetKeyId); // inviters would refuse these
                String ref = null;
                byte[] kp = null;
                boolean lastResort = false;
                // One-time KeyPackages first, oldest first; the last-resort one only when none is left.
                try (PreparedStatement ps = c.prepareStatement("SELECT ref, key_package, last_resort FROM"
                        + " chat_key_packages WHERE agent_id = ? AND installation = ? AND (last_resort = 1 OR ?)"
                        + " ORDER BY last_resort, created_ms, ref")) {
                    ps.setString(1, target);
                    ps.setString(2, inst);
                    ps.setBoolean(3, oneTime);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (ref == null && rs.next()) {
                            if (stale.contains(rs.getString(1))) {
                                continue;
                            }
                            ref = rs.getString(1);
                            kp = rs.getBytes(2);
                            lastResort = rs.getInt(3) == 1;
                        }
                    }
                }
                if (ref == null) {
                    continue;
                }
                if (!lastResort) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_key_packages WHERE ref = ?")) {
                        ps.setString(1, ref);
                        if (ps.executeUpdate() != 1) {
                            // Another process handed it out first: fail the transaction, the client retries.
                            throw new SQLException("KeyPackage handed out concurrently");
                        }
                    }
                }
                ObjectNode e = out.addObject();
                e.put("installation", inst);
                e.put("keyPackage", Bytes.b64(kp));
                e.put("lastResort", lastResort);
            }
            return null;
        });
        if (out.isEmpty()) {
            if (!oneTime) {
                throw new ApiException(ErrorReason.RATE_LIMITED, "your share of this agent's one-time KeyPackages is used"
                        + " and it has no last-resort one; try later", 600);
            }
            throw ApiException.notFound("agent " + target + " has no KeyPackages");
        }
        ObjectNode o = Json.object();
        o.put("agent", target);
        o.set("keyPackages", out);
        return Reply.ok(o);
    }

    // --- groups ------------------------------------------------------------------------------------------------

    private Reply createGroup(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "group", "installation", "epoch", "direct", "groupInfo");
        String group = Call.text(body, "group", 44);
        byte[] gid = MlsWire.groupIdBytes(group);
        String installation = MlsWire.installation(body.path("installation").asString(null));
        long epoch = Call.integer(body, "epoch", 0, 16); // a new group's epoch
        byte[] groupInfo = optionalGroupInfo(body, gid, epoch);
        String me = call.caller().id();
        // The admins are those the group's policy names, as its members' clients see it; without a GroupInfo the
        // hub has no policy to read, and the creator alone is admin until one arrives.
        Set<String> admins = groupInfo != null ? MlsWire.admins(groupInfo) : Set.of(me);
        String pair = null;
        if (body.has("direct")) {
            String peer = MlsWire.agentId(body.get("direct").asString(null));
            if (peer.equals(me)) {
                throw new ApiException(ErrorReason.INVALID_FIELD, "a direct group needs another identity");
            }
            pair = pairKey(me, peer);
        }
        String pairKey = pair;
        long now = clock.millis();
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_groups (id, epoch, next_seq,"
                    + " created_ms) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, group);
                ps.setLong(2, epoch);
                ps.setLong(3, now);
                if (ps.executeUpdate() != 1) {
                    throw new Refusal(new ApiException(ErrorReason.GROUP_EXISTS, "group " + group + " exists"));
                }
            }
            if (pairKey != null) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_direct (pair_key, group_id)"
                        + " VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                    ps.setString(1, pairKey);
                    ps.setString(2, group);
                    if (ps.executeUpdate() != 1) {
                        throw new Refusal(new ApiException(ErrorReason.DIRECT_EXISTS, "a direct group for this pair"
                                + " exists; fetch it with GET /v1/direct/{id}"));
                    }
                }
            }
            route(c, group, me, installation, 0);
            setAdmins(c, group, admins);
            if (groupInfo != null) {
                storeGroupInfo(c, group, epoch, groupInfo, now);
            }
            return null;
        });
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("epoch", epoch);
        return Reply.json(201, o);
    }

    private static String pairKey(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    private Reply direct(Call call) throws Exception {
        String peer = MlsWire.agentId(call.param("id"));
        String key = pairKey(call.caller().id(), peer);
        String group = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT group_id FROM chat_direct WHERE pair_key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        if (group == null) {
            throw ApiException.notFound("no direct group with " + peer);
        }
        ObjectNode o = Json.object();
        o.put("group", group);
        return Reply.ok(o);
    }

    private record Routed(String agent, String installation) {}

    private static List<Routed> routing(JsonNode list, String field) throws ApiException {
        List<Routed> out = new ArrayList<>();
        if (list == null || list.isMissingNode() || list.isNull()) {
            return out;
        }
        if (!list.isArray() || list.size() > MAX_ROUTING_ENTRIES) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' must be an array of at most "
                    + MAX_ROUTING_ENTRIES + " {agent, installation}");
        }
        Set<Routed> seen = new LinkedHashSet<>();
        for (JsonNode n : list) {
            if (!n.isObject()) {
                throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' holds {agent, installation}");
            }
            Call.onlyFields(n, "agent", "installation");
            Routed r = new Routed(MlsWire.agentId(n.path("agent").asString(null)),
                    MlsWire.installation(n.path("installation").asString(null)));
            if (!seen.add(r)) {
                throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' names an installation twice");
            }
            out.add(r);
        }
        return out;
    }

    /** Spends the request's size from the caller's hourly storage budget, or refuses with 429. */
    private void spendStorage(Call call) throws ApiException {
        long wait = storedBytes.tryAcquire(call.spender(), Math.max(1, call.body().length));
        if (wait > 0) {
            throw new ApiException(ErrorReason.RATE_LIMITED, "you stored " + STORED_BYTES_PER_HOUR + " bytes of messages"
                    + " this hour (new identities count by address); try later", wait);
        }
    }

    private Reply commit(Call call) throws Exception {
        spendStorage(call);
        String group = call.param("group");
        byte[] gid = MlsWire.groupIdBytes(group);
        JsonNode body = call.json();
        Call.onlyFields(body, "installation", "epoch", "commit", "welcome", "add", "remove", "groupInfo");
        String installation = MlsWire.installation(body.path("installation").asString(null));
        // MLS epochs are uint64; the hub stores them as signed 64-bit, and epoch + 1 must fit too.
        long epoch = Call.integer(body, "epoch", 0, Long.MAX_VALUE - 1);
        byte[] commit = MlsWire.base64("commit", body.path("commit").asString(null), MlsWire.MAX_MESSAGE_BYTES);
        MlsWire.CommitHeader header = MlsWire.commit(commit, gid);
        if (header.epoch() != epoch) {
            throw new ApiException(ErrorReason.INVALID_MESSAGE, "the commit is for epoch " + header.epoch() + ", not "
                    + epoch);
        }
        boolean external = header.externalLeaf() != null;
        byte[] groupInfo = optionalGroupInfo(body, gid, epoch + 1);
        Set<String> policyAfter = groupInfo == null ? null : MlsWire.admins(groupInfo);
        List<Routed> add = routing(body.get("add"), "add");
        List<Routed> remove = routing(body.get("remove"), "remove");
        byte[] welcome = null;
        if (body.hasNonNull("welcome")) {
            welcome = MlsWire.base64("welcome", body.get("welcome").asString(null), MlsWire.MAX_MESSAGE_BYTES);
            MlsWire.welcome(welcome);
        }
        if (add.isEmpty() != (welcome == null)) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "a commit that adds installations carries their Welcome,"
                    + " and only such a commit does");
        }
        String me = call.caller().id();
        if (external) {
            // An external commit here only resyncs the caller's own installation: no routing changes, and the leaf
            // it brings must be certified by the caller for the installation it submits from.
            if (!add.isEmpty() || !remove.isEmpty()) {
                throw new ApiException(ErrorReason.INVALID_FIELD, "an external commit changes no routing");
            }
            KeyEventLog log = identities.find(me).orElseThrow(() -> ApiException.notFound("no identity " + me))
                    .log();
            MlsWire.ownLeaf(header.externalLeaf(), log, installation);
        }
        byte[] welcomeBytes = welcome;
        long now = clock.millis();
        Set<String> wake = new LinkedHashSet<>();
        long seq = db.inTransaction(c -> {
            Member self = member(c, group, me, installation);
            if (self == null) {
                throw new Refusal(ApiException.forbidden("this installation is not a member of the group"));
            }
            if (external) {
                try (PreparedStatement ps = c.prepareStatement("SELECT body FROM chat_group_info WHERE group_id = ?")) {
                    ps.setString(1, group);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new Refusal(new ApiException(ErrorReason.NO_GROUP_INFO,
                                    "the hub holds no GroupInfo for this group"));
                        }
                        try {
                            MlsWire.resyncOfOwnLeaf(rs.getBytes(1), epoch, header);
                        } catch (ApiException e) {
                            throw new Refusal(e);
                        }
                    }
                }
            }
            // The policy in force before the commit decides, as in every member's client (GroupPolicy.checkCommit).
            Set<String> admins = admins(c, group);
            if ((!add.isEmpty() || !remove.isEmpty()) && !admins.contains(me)) {
                throw new Refusal(ApiException.forbidden("only an admin may add or remove members"));
            }
            boolean policyChanged = policyAfter != null && !policyAfter.equals(admins);
            if (policyChanged && (external || !admins.contains(me))) {
                // Members refuse such a commit, so accepting it would only stall the group.
                throw new Refusal(ApiException.forbidden(external ? "an external commit may not change the group"
                        + " policy" : "only an admin may change the group policy"));
            }
            if (policyChanged) {
                setAdmins(c, group, policyAfter);
            }
            int slots = 1 + add.size();
            // The conditional update is the ordering point: of two commits for one epoch, exactly one matches.
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_groups SET epoch = epoch + 1,"
                    + " next_seq = next_seq + ? WHERE id = ? AND epoch = ?")) {
                ps.setInt(1, slots);
                ps.setString(2, group);
                ps.setLong(3, epoch);
                if (ps.executeUpdate() != 1) {
                    throw new Refusal(new ApiException(ErrorReason.EPOCH_CONFLICT, "a commit for epoch " + epoch
                            + " was already accepted (the group is at epoch " + currentEpoch(c, group)
                            + "); process it and try again"));
                }
            }
            long first = nextSeq(c, group) - slots;
            insertMessage(c, group, first, "commit", epoch, me, installation, null, null, commit, now);
            for (Routed r : remove) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE chat_members SET until_seq = ? WHERE"
                        + " group_id = ? AND agent_id = ? AND installation = ? AND until_seq IS NULL")) {
                    ps.setLong(1, first);
                    ps.setString(2, group);
                    ps.setString(3, r.agent());
                    ps.setString(4, r.installation());
                    ps.executeUpdate();
                }
            }
            for (int i = 0; i < add.size(); i++) {
                Routed r = add.get(i);
                insertMessage(c, group, first + 1 + i, "welcome", epoch + 1, me, installation, r.agent(),
                        r.installation(), welcomeBytes, now);
                route(c, group, r.agent(), r.installation(), first + i);
            }
            if (groupInfo != null) {
                storeGroupInfo(c, group, epoch + 1, groupInfo, now);
            } else {
                // A GroupInfo of an older epoch would only send rejoining members into a stale epoch.
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_group_info WHERE group_id = ?")) {
                    ps.setString(1, group);
                    ps.executeUpdate();
                }
            }
            wake.addAll(routedInstallations(c, group, true));
            return first;
        });
        wakeUp(wake);
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("seq", seq);
        o.put("epoch", epoch + 1);
        return Reply.json(201, o);
    }

    private static byte[] optionalGroupInfo(JsonNode body, byte[] gid, long epoch) throws ApiException {
        if (!body.hasNonNull("groupInfo")) {
            return null;
        }
        byte[] b = MlsWire.base64("groupInfo", body.get("groupInfo").asString(null), MlsWire.MAX_MESSAGE_BYTES);
        MlsWire.groupInfo(b, gid, epoch);
        return b;
    }

    private static void storeGroupInfo(Connection c, String group, long epoch, byte[] body, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_group_info (group_id, epoch, body,"
                + " created_ms) VALUES (?, ?, ?, ?) ON CONFLICT (group_id) DO UPDATE SET epoch = excluded.epoch,"
                + " body = excluded.body, created_ms = excluded.created_ms")) {
            ps.setString(1, group);
            ps.setLong(2, epoch);
            ps.setBytes(3, body);
            ps.setLong(4, now);
            ps.executeUpdate();
        }
    }

    private record StoredGroupInfo(long groupEpoch, long epoch, byte[] body) {}

    private Reply groupInfo(Call call) throws Exception {
        String group = call.param("group");
        MlsWire.groupIdBytes(group);
        String installation = MlsWire.installation(call.param("installation"));
        String me = call.caller().id();
        StoredGroupInfo gi = db.read(c -> {
            if (member(c, group, me, installation) == null) {
                return null;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT g.epoch, i.epoch, i.body FROM chat_groups g"
                    + " JOIN chat_group_info i ON i.group_id = g.id WHERE g.id = ?")) {
                ps.setString(1, group);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new StoredGroupInfo(rs.getLong(1), rs.getLong(2), rs.getBytes(3))
                            : new StoredGroupInfo(-1, -1, null);
                }
            }
        });
        if (gi == null) {
            throw ApiException.forbidden("this installation is not a member of the group");
        }
        if (gi.body() == null) {
            throw ApiException.notFound("the hub holds no GroupInfo for group " + group);
        }
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("epoch", gi.epoch());
        o.put("groupEpoch", gi.groupEpoch());
        o.put("groupInfo", Bytes.b64(gi.body()));
        return Reply.ok(o);
    }

    private Reply message(Call call) throws Exception {
        spendStorage(call);
        String group = call.param("group");
        byte[] gid = MlsWire.groupIdBytes(group);
        JsonNode body = call.json();
        Call.onlyFields(body, "installation", "message");
        String installation = MlsWire.installation(body.path("installation").asString(null));
        byte[] msg = MlsWire.base64("message", body.path("message").asString(null), MlsWire.MAX_MESSAGE_BYTES);
        PrivateMessage pm = MlsWire.privateMessage(msg, gid, FramedContent.APPLICATION, "message");
        String me = call.caller().id();
        long now = clock.millis();
        Set<String> wake = new LinkedHashSet<>();
        long seq = db.inTransaction(c -> {
            if (member(c, group, me, installation) == null) {
                throw new Refusal(ApiException.forbidden("this installation is not a member of the group"));
            }
            // Only messages of the current epoch: every recipient then decrypts with the state it has, in order.
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_groups SET next_seq = next_seq + 1"
                    + " WHERE id = ? AND epoch = ?")) {
                ps.setString(1, group);
                ps.setLong(2, pm.epoch());
                if (ps.executeUpdate() != 1) {
                    throw new Refusal(new ApiException(ErrorReason.STALE_EPOCH, "the group is at epoch "
                            + currentEpoch(c, group) + ", the message is for " + pm.epoch()
                            + "; process pending commits and send again"));
                }
            }
            long s = nextSeq(c, group) - 1;
            insertMessage(c, group, s, "application", pm.epoch(), me, installation, null, null, msg, now);
            wake.addAll(routedInstallations(c, group, false));
            return s;
        });
        wakeUp(wake);
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("seq", seq);
        return Reply.json(201, o);
    }

    private Reply leave(Call call) throws Exception {
        String group = call.param("group");
        MlsWire.groupIdBytes(group);
        JsonNode body = call.json();
        Call.onlyFields(body, "installation");
        String installation = MlsWire.installation(body.path("installation").asString(null));
        String me = call.caller().id();
        long now = clock.millis();
        Set<String> wake = new LinkedHashSet<>();
        db.inTransaction(c -> {
            if (member(c, group, me, installation) == null) {
                throw new Refusal(ApiException.forbidden("this installation is not a member of the group"));
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_groups SET next_seq = next_seq + 1"
                    + " WHERE id = ?")) {
                ps.setString(1, group);
                ps.executeUpdate();
            }
            long s = nextSeq(c, group) - 1;
            insertMessage(c, group, s, "leave", currentEpoch(c, group), me, installation, null, null, new byte[0],
                    now);
            try (PreparedStatement ps = c.prepareStatement("UPDATE chat_members SET until_seq = ? WHERE"
                    + " group_id = ? AND agent_id = ? AND installation = ?")) {
                ps.setLong(1, s);
                ps.setString(2, group);
                ps.setString(3, me);
                ps.setString(4, installation);
                ps.executeUpdate();
            }
            wake.addAll(routedInstallations(c, group, false));
            return null;
        });
        wakeUp(wake);
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("left", true);
        return Reply.ok(o);
    }

    private record Member(long ackedSeq) {}

    private static Member member(Connection c, String group, String agent, String installation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT acked_seq FROM chat_members WHERE group_id = ?"
                + " AND agent_id = ? AND installation = ? AND until_seq IS NULL")) {
            ps.setString(1, group);
            ps.setString(2, agent);
            ps.setString(3, installation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Member(rs.getLong(1)) : null;
            }
        }
    }

    private static void route(Connection c, String group, String agent, String installation, long ackedSeq)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_members (group_id, agent_id, installation,"
                + " acked_seq, until_seq) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (group_id, agent_id,"
                + " installation) DO UPDATE SET acked_seq = excluded.acked_seq, until_seq = NULL")) {
            ps.setString(1, group);
            ps.setString(2, agent);
            ps.setString(3, installation);
            ps.setLong(4, ackedSeq);
            ps.executeUpdate();
        }
    }

    /** The agents the group's policy names as admins, as the hub last read it. */
    private static Set<String> admins(Connection c, String group) throws SQLException {
        Set<String> out = new java.util.TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT agent_id FROM chat_group_admins WHERE group_id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void setAdmins(Connection c, String group, Set<String> admins) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_group_admins WHERE group_id = ?")) {
            ps.setString(1, group);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_group_admins (group_id, agent_id)"
                + " VALUES (?, ?)")) {
            for (String a : admins) {
                ps.setString(1, group);
                ps.setString(2, a);
                ps.executeUpdate();
            }
        }
    }

    private static long nextSeq(Connection c, String group) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT next_seq FROM chat_groups WHERE id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("group vanished");
                }
                return rs.getLong(1);
            }
        }
    }

    private static long currentEpoch(Connection c, String group) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT epoch FROM chat_groups WHERE id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Refusal(ApiException.notFound("no group " + group));
                }
                return rs.getLong(1);
            }
        }
    }

    private static void insertMessage(Connection c, String group, long seq, String kind, long epoch, String sender,
                                      String senderInst, String recipient, String recipientInst, byte[] body,
                                      long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO chat_messages (group_id, seq, kind, epoch,"
                + " sender_agent, sender_installation, recipient_agent, recipient_installation, body, created_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, group);
            ps.setLong(2, seq);
            ps.setString(3, kind);
            ps.setLong(4, epoch);
            ps.setString(5, sender);
            ps.setString(6, senderInst);
            ps.setString(7, recipient);
            ps.setString(8, recipientInst);
            ps.setBytes(9, body);
            ps.setLong(10, now);
            ps.executeUpdate();
        }
    }

    private static List<String> routedInstallations(Connection c, String group, boolean includingRemoved)
            throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT agent_id, installation, until_seq FROM chat_members"
                + " WHERE group_id = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getLong(3);
                    if (includingRemoved || rs.wasNull()) {
                        out.add(rs.getString(1) + "/" + rs.getString(2));
                    }
                }
            }
        }
        return out;
    }

    // --- inboxes -----------------------------------------------------------------------------------------------

    private Reply inbox(Call call, boolean wait) throws Exception {
        String installation = MlsWire.installation(call.param("installation"));
        String me = call.caller().id();
        requireKnownInstallation(me, installation);
        String key = me + "/" + installation;
        boolean polling = wait && startPoll(call.spender());
        try {
            return Reply.ok(inboxItems(me, installation, key, polling));
        } finally {
            if (polling) {
                longPolls.release();
                pollsBySpender.computeIfPresent(call.spender(), (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }

    /** Takes a long-poll slot within the spender's share and the hub's total; false means answer at once. */
    private boolean startPoll(String spender) {
        boolean[] mine = {false};
        pollsBySpender.compute(spender, (k, n) -> {
            int held = n == null ? 0 : n;
            if (held >= MAX_LONG_POLLS_PER_SPENDER) {
                return n;
            }
            mine[0] = true;
            return held + 1;
        });
        if (mine[0] && !longPolls.tryAcquire()) {
            pollsBySpender.computeIfPresent(spender, (k, n) -> n <= 1 ? null : n - 1);
            return false;
        }
        return mine[0];
    }

    private ObjectNode inboxItems(String me, String installation, String key, boolean wait) throws Exception {
        long deadline = System.currentTimeMillis() + (wait ? LONG_POLL_MS : 0);
        ArrayNode items = pending(me, installation);
        while (items.isEmpty() && System.currentTimeMillis() < deadline) {
            Object monitor = waiters.computeIfAbsent(key, k -> new Object());
            synchronized (monitor) {
                items = pending(me, installation);
                if (items.isEmpty()) {
                    // Woken by a commit in this process; the 1 s bound picks up writes by other hub processes.
                    monitor.wait(Math.max(1, Math.min(1000, deadline - System.currentTimeMillis())));
                }
            }
            if (items.isEmpty()) {
                items = pending(me, installation);
            }
        }
        ObjectNode o = Json.object();
        o.put("installation", installation);
        o.set("items", items);
        return o;
    }

    private ArrayNode pending(String me, String installation) throws SQLException {
        return db.read(c -> {
            ArrayNode out = Json.object().arrayNode();
            try (PreparedStatement ps = c.prepareStatement("SELECT m.group_id, m.seq, m.kind, m.epoch,"
                    + " m.sender_agent, m.sender_installation, m.body FROM chat_members mb JOIN chat_messages m"
                    + " ON m.group_id = mb.group_id AND m.seq > mb.acked_seq"
                    + " AND (mb.until_seq IS NULL OR m.seq <= mb.until_seq)"
                    + " WHERE mb.agent_id = ? AND mb.installation = ?"
                    + " AND NOT (m.sender_agent = mb.agent_id AND m.sender_installation = mb.installation)"
                    + " AND (m.recipient_installation IS NULL OR (m.recipient_agent = mb.agent_id"
                    + " AND m.recipient_installation = mb.installation))"
                    // A denied sender's texts and invitations are dropped; its commits are not, or the
                    // recipient's group state would fall behind everyone else's.
                    + " AND NOT (m.kind IN ('application', 'welcome') AND EXISTS (SELECT 1 FROM chat_denials d"
                    + " WHERE d.agent_id = mb.agent_id AND d.denied_id = m.sender_agent))"
                    + " ORDER BY m.group_id, m.seq LIMIT " + MAX_INBOX_ITEMS)) {
                ps.setString(1, me);
                ps.setString(2, installation);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ObjectNode i = out.addObject();
                        i.put("group", rs.getString(1));
                        i.put("seq", rs.getLong(2));
                        i.put("kind", rs.getString(3));
                        i.put("epoch", rs.getLong(4));
                        i.put("sender", rs.getString(5));
                        i.put("senderInstallation", rs.getString(6));
                        i.put("body", Bytes.b64(rs.getBytes(7)));
                    }
                }
            }
            return out;
        });
    }

    private void wakeUp(Set<String> installations) {
        for (String key : installations) {
            push.notifyPending(key);
            Object monitor = waiters.get(key);
            if (monitor != null) {
                synchronized (monitor) {
                    monitor.notifyAll();
                }
            }
        }
    }

    private Reply ack(Call call) throws Exception {
        String installation = MlsWire.installation(call.param("installation"));
        JsonNode body = call.json();
        Call.onlyFields(body, "acks");
        JsonNode acks = body.path("acks");
        if (!acks.isArray() || acks.isEmpty() || acks.size() > 1000) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field 'acks' must hold 1 to 1000 {group, seq}");
        }
        record Ack(String group, long seq) {}
        List<Ack> list = new ArrayList<>();
        for (JsonNode a : acks) {
            Call.onlyFields(a, "group", "seq");
            String g = Call.text(a, "group", 44);
            MlsWire.groupIdBytes(g);
            list.add(new Ack(g, Call.integer(a, "seq", 0, Long.MAX_VALUE)));
        }
        String me = call.caller().id();
        // Like every inbox route: another identity's installation (or one never seen) is unknown here.
        requireKnownInstallation(me, installation);
        db.inTransaction(c -> {
            for (Ack a : list) {
                // Cursors only move forward; acknowledging past the group's end is clamped.
                try (PreparedStatement ps = c.prepareStatement("UPDATE chat_members SET acked_seq = ? WHERE"
                        + " group_id = ? AND agent_id = ? AND installation = ? AND acked_seq < ?")) {
                    ps.setLong(1, a.seq());
                    ps.setString(2, a.group());
                    ps.setString(3, me);
                    ps.setString(4, installation);
                    ps.setLong(5, a.seq());
                    ps.executeUpdate();
                }
            }
            // Removed or departed installations that have read everything are no longer routed at all.
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_members WHERE agent_id = ? AND"
                    + " installation = ? AND until_seq IS NOT NULL AND acked_seq >= until_seq")) {
                ps.setString(1, me);
                ps.setString(2, installation);
                ps.executeUpdate();
            }
            return null;
        });
        long now = clock.millis();
        long last = lastPurgeMs.get();
        // Retention runs at most every 10 minutes, piggybacked on acknowledgements (no thread to manage).
        if (now - last > 10 * 60_000 && lastPurgeMs.compareAndSet(last, now)) {
            Thread.ofVirtual().start(this::purge);
        }
        ObjectNode o = Json.object();
        o.put("installation", installation);
        o.put("acknowledged", list.size());
        return Reply.ok(o);
    }

    // --- push ------------------------------------------------------------------------------------------------

    private Reply pushTicket(Call call) throws Exception {
        String installation = MlsWire.installation(call.param("installation"));
        if (call.body().length > 0) {
            Call.onlyFields(call.json());
        }
        String me = call.caller().id();
        requireKnownInstallation(me, installation);
        PushChannel.Ticket t = push.issue(me + "/" + installation);
        ObjectNode o = Json.object();
        o.put("ticket", t.ticket());
        o.put("path", PushChannel.PATH);
        o.put("expiresMs", t.expiresMs());
        return Reply.json(201, o);
    }

    /** Wraps the API handler with the push WebSocket endpoint ({@link PushChannel}). */
    public Handler pushEndpoint(Server server, Handler api) {
        return push.wrap(server, api);
    }

    // --- denials -----------------------------------------------------------------------------------------------

    private Reply denial(Call call, boolean deny) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "agent");
        String other = MlsWire.agentId(body.path("agent").asString(null));
        String me = call.caller().id();
        long now = clock.millis();
        db.inTransaction(c -> {
            String sql = deny ? "INSERT INTO chat_denials (agent_id, denied_id, created_ms) VALUES (?, ?, ?)"
                    + " ON CONFLICT DO NOTHING" : "DELETE FROM chat_denials WHERE agent_id = ? AND denied_id = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, me);
                ps.setString(2, other);
                if (deny) {
                    ps.setLong(3, now);
                }
                ps.executeUpdate();
            }
            return null;
        });
        ObjectNode o = Json.object();
        o.put("agent", other);
        o.put("denied", deny);
        return Reply.ok(o);
    }

    private boolean denies(String agent, String other) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chat_denials WHERE agent_id = ? AND"
                    + " denied_id = ?")) {
                ps.setString(1, agent);
                ps.setString(2, other);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    // --- retention ---------------------------------------------------------------------------------------------

    /** Deletes messages every routed installation acknowledged, and any older than the retention period. */
    void purge() {
        try {
            long cutoff = clock.millis() - retentionMs;
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_messages WHERE created_ms < ?")) {
                    ps.setLong(1, cutoff);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM chat_messages WHERE seq <= (SELECT"
                        + " MIN(mb.acked_seq) FROM chat_members mb WHERE mb.group_id = chat_messages.group_id)")) {
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            // Retried on the next round; keeping messages longer is the safe failure.
            LOG.warn("message purge failed, retried later: {}", e.toString());
        }
    }

    /** Rolls a transaction back and answers with the carried error. */
    static final class Refusal extends RuntimeException {
        final ApiException error;

        Refusal(ApiException error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }

    /** Wraps a route so that refusals raised inside a transaction become their error answers. */
    private static Route.Handler refusals(Route.Handler h) {
        return call -> {
            try {
                return h.handle(call);
            } catch (Refusal r) {
                throw r.error;
            }
        };
    }
}
