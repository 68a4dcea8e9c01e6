package dev.carapace.hub.messaging;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.limits.KeyedBuckets;
import dev.carapace.hub.store.Database;
import dev.carapace.hub.store.GroupLog;
import dev.carapace.hub.store.IdentityStore;
import dev.carapace.hub.store.InboxStore;
import dev.carapace.hub.store.JdbcGroupLog;
import dev.carapace.hub.store.JdbcInboxStore;
import dev.carapace.hub.store.JdbcKeyPackageStore;
import dev.carapace.hub.store.KeyPackageStore;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.framing.PrivateMessage;
import dev.carapace.protocol.ErrorReason;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
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

    static final int MAX_ONE_TIME_PER_INSTALLATION = HubLimits.ONE_TIME_PER_INSTALLATION;
    static final int MAX_KEY_PACKAGES_PER_UPLOAD = HubLimits.KEY_PACKAGES_PER_UPLOAD;
    static final int MAX_INBOX_ITEMS = HubLimits.INBOX_ITEMS;
    static final int MAX_ROUTING_ENTRIES = HubLimits.ROUTING_ENTRIES;
    static final long LONG_POLL_MS = HubLimits.LONG_POLL_MS;
    static final int MAX_LONG_POLLS = HubLimits.LONG_POLLS;
    static final int MAX_LONG_POLLS_PER_SPENDER = HubLimits.LONG_POLLS_PER_SPENDER;
    /**
     * Bytes of commits and messages (as sent, base64 included) one spender (an identity, or an address for new ones)
     * may have the hub store per hour: what is stored stays until every member acknowledged it or retention ends, so
     * storage is bounded per address and identity, not per key.
     */
    public static final int STORED_BYTES_PER_HOUR = HubLimits.STORED_BYTES_PER_HOUR;
    /** Claims (answered with any KeyPackage) per claimer and target per hour. */
    public static final int CLAIMS_PER_HOUR = HubLimits.CLAIMS_PER_TARGET_PER_HOUR;
    /** KeyPackage claims one identity may make per hour across all targets. */
    public static final int CLAIMS_PER_CLAIMER_PER_HOUR = HubLimits.CLAIMS_PER_CLAIMER_PER_HOUR;
    /**
     * One-time KeyPackages per installation that one claimer may take from one target per hour; beyond it, and beyond
     * the target's budget below, claims get the (reusable) last-resort KeyPackage, as RFC 9420 §16.8 intends, so a
     * stranger can never take more than a small share of anyone's supply (a client keeps 10 and tops up).
     */
    public static final int ONE_TIME_PER_CLAIMER_PER_HOUR = HubLimits.ONE_TIME_PER_CLAIMER_PER_HOUR;
    /** One-time KeyPackages per installation that all claimers together may take from one target per hour. */
    public static final int ONE_TIME_PER_TARGET_PER_HOUR = HubLimits.ONE_TIME_PER_TARGET_PER_HOUR;
    /** Installations one agent may hold KeyPackages for (each holds at most {@value #MAX_ONE_TIME_PER_INSTALLATION}). */
    static final int MAX_INSTALLATIONS_PER_AGENT = HubLimits.INSTALLATIONS_PER_AGENT;
    private static final KeyPackageStore.Quota KEY_PACKAGE_QUOTA = new KeyPackageStore.Quota(
            MAX_INSTALLATIONS_PER_AGENT, MAX_ONE_TIME_PER_INSTALLATION);

    private final IdentityStore identities;
    private final KeyPackageStore keyPackages;
    private final GroupLog groups;
    private final InboxStore inboxes;
    private final Clock clock;
    private final long retentionMs;
    /** Per claimer and target; bounded without resets, so nobody can refill a target's claim budget by flooding. */
    private final KeyedBuckets claims = new KeyedBuckets(CLAIMS_PER_HOUR, Duration.ofHours(1), HubLimits.CLAIM_KEYS);
    private final KeyedBuckets claimsByClaimer = new KeyedBuckets(CLAIMS_PER_CLAIMER_PER_HOUR, Duration.ofHours(1),
            HubLimits.QUOTA_KEYS);
    private final KeyedBuckets storedBytes = new KeyedBuckets(STORED_BYTES_PER_HOUR, Duration.ofHours(1),
            HubLimits.QUOTA_KEYS);
    private final KeyedBuckets oneTimeShares = new KeyedBuckets(ONE_TIME_PER_CLAIMER_PER_HOUR, Duration.ofHours(1),
            HubLimits.CLAIM_KEYS);
    private final KeyedBuckets oneTimeByTarget = new KeyedBuckets(ONE_TIME_PER_TARGET_PER_HOUR, Duration.ofHours(1),
            HubLimits.QUOTA_KEYS);
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
    public MessagingApi(IdentityStore identities, KeyPackageStore keyPackages, GroupLog groups, InboxStore inboxes,
                        Clock clock, Duration retention) {
        this.identities = identities;
        this.keyPackages = keyPackages;
        this.groups = groups;
        this.inboxes = inboxes;
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
        return new MessagingApi(identities, new JdbcKeyPackageStore(db, MlsWire::certifiedBy), new JdbcGroupLog(db),
                new JdbcInboxStore(db), clock, Duration.ofDays(d));
    }

    public List<Route> routes() {
        return List.of(
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
                        "Lift a denial.", call -> denial(call, false)));
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
        int available = switch (keyPackages.upload(agent, installation, log.currentKeyId(),
                oneTime.stream().map(MessagingApi::stored).toList(), lastResort == null ? null : stored(lastResort),
                KEY_PACKAGE_QUOTA, clock.millis())) {
            case KeyPackageStore.Stored st -> st.available();
            case KeyPackageStore.TooManyInstallations t -> throw new ApiException(ErrorReason.TOO_MANY_INSTALLATIONS, "an agent may keep KeyPackages for at most " + t.limit() + " installations");
            case KeyPackageStore.TooManyKeyPackages t -> throw new ApiException(ErrorReason.TOO_MANY_KEY_PACKAGES, "an installation may hold at most " + t.limit() + " unused KeyPackages; it has " + t.have());
        };
        ObjectNode o = Json.object();
        o.put("installation", installation);
        o.put("available", available);
        return Reply.json(201, o);
    }

    private static KeyPackageStore.KeyPackage stored(MlsWire.CheckedKeyPackage checked) {
        return new KeyPackageStore.KeyPackage(checked.ref(), checked.bytes());
    }

    /** An installation exists once it uploaded KeyPackages or was routed a group; others get the same 404. */
    private void requireKnownInstallation(String agent, String installation) throws Exception {
        boolean known = inboxes.knows(agent, installation);
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
        KeyPackageStore.Supply supply = keyPackages.supply(agent, installation, keyId);
        ObjectNode o = Json.object();
        o.put("installation", installation);
        o.put("available", supply.oneTime());
        o.put("lastResort", supply.lastResort());
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
            throw new ApiException(ErrorReason.RATE_LIMITED, "too many KeyPackage claims for this agent; try later",
                    HubLimits.CLAIMS_RETRY_AFTER_SECONDS);
        }
        if (inboxes.denies(target, claimer)) {
            throw ApiException.forbidden("this agent does not accept you");
        }
        // A one-time KeyPackage only within this claimer's share and the target's budget; the last-resort one else.
        boolean oneTime = oneTimeShares.tryAcquire(spender + ">" + target) == 0
                && oneTimeByTarget.tryAcquire(target) == 0;
        String targetKeyId = identities.find(target).map(i -> i.log().currentKeyId())
                .orElseThrow(() -> ApiException.notFound("agent " + target + " has no KeyPackages"));
        ArrayNode out = Json.object().arrayNode();
        for (KeyPackageStore.Claimed claimed : keyPackages.claim(target, targetKeyId, oneTime)) {
            ObjectNode e = out.addObject();
            e.put("installation", claimed.installation());
            e.put("keyPackage", Bytes.b64(claimed.keyPackage()));
            e.put("lastResort", claimed.lastResort());
        }
        if (out.isEmpty()) {
            if (!oneTime) {
                throw new ApiException(ErrorReason.RATE_LIMITED, "your share of this agent's one-time KeyPackages is used"
                        + " and it has no last-resort one; try later", HubLimits.ONE_TIME_RETRY_AFTER_SECONDS);
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
        String peer = null;
        if (body.has("direct")) {
            peer = MlsWire.agentId(body.get("direct").asString(null));
            if (peer.equals(me)) {
                throw new ApiException(ErrorReason.INVALID_FIELD, "a direct group needs another identity");
            }
        }
        switch (groups.create(new GroupLog.NewGroup(group, epoch, new GroupLog.Installation(me, installation), admins,
                peer, groupInfo), clock.millis())) {
            case GroupLog.Created c -> { }
            case GroupLog.GroupExists c -> throw new ApiException(ErrorReason.GROUP_EXISTS, "group " + group + " exists");
            case GroupLog.DirectExists c -> throw new ApiException(ErrorReason.DIRECT_EXISTS, "a direct group for this"
                    + " pair exists; fetch it with GET /v1/direct/{id}");
        }
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("epoch", epoch);
        return Reply.json(201, o);
    }

    private Reply direct(Call call) throws Exception {
        String peer = MlsWire.agentId(call.param("id"));
        String group = groups.direct(call.caller().id(), peer)
                .orElseThrow(() -> ApiException.notFound("no direct group with " + peer));
        ObjectNode o = Json.object();
        o.put("group", group);
        return Reply.ok(o);
    }

    private static List<GroupLog.Installation> routing(JsonNode list, String field) throws ApiException {
        List<GroupLog.Installation> out = new ArrayList<>();
        if (list == null || list.isMissingNode() || list.isNull()) {
            return out;
        }
        if (!list.isArray() || list.size() > MAX_ROUTING_ENTRIES) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' must be an array of at most "
                    + MAX_ROUTING_ENTRIES + " {agent, installation}");
        }
        Set<GroupLog.Installation> seen = new LinkedHashSet<>();
        for (JsonNode n : list) {
            if (!n.isObject()) {
                throw new ApiException(ErrorReason.INVALID_FIELD, "field '" + field + "' holds {agent, installation}");
            }
            Call.onlyFields(n, "agent", "installation");
            GroupLog.Installation r = new GroupLog.Installation(MlsWire.agentId(n.path("agent").asString(null)),
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
        List<GroupLog.Installation> add = routing(body.get("add"), "add");
        List<GroupLog.Installation> remove = routing(body.get("remove"), "remove");
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
        GroupLog.Commit submitted = new GroupLog.Commit(group, new GroupLog.Installation(me, installation), epoch,
                commit, external, add, remove, welcome, groupInfo, policyAfter);
        long seq = switch (groups.commit(submitted, stored -> MlsWire.resyncOfOwnLeaf(stored, epoch, header),
                clock.millis())) {
            case GroupLog.Committed c -> {
                wakeUp(c.routed());
                yield c.seq();
            }
            case GroupLog.NotMember r -> throw notMember();
            case GroupLog.NoGroupInfo r -> throw new ApiException(ErrorReason.NO_GROUP_INFO, "the hub holds no GroupInfo for this group");
            case GroupLog.ResyncRefused r -> throw r.why();
            case GroupLog.NotAdmin r -> throw ApiException.forbidden("only an admin may add or remove members");
            // Members refuse such a commit, so accepting it would only stall the group.
            case GroupLog.PolicyChangeRefused r -> throw ApiException.forbidden(r.external()
                    ? "an external commit may not change the group policy"
                    : "only an admin may change the group policy");
            case GroupLog.EpochConflict r -> throw new ApiException(ErrorReason.EPOCH_CONFLICT, "a commit for epoch "
                    + epoch + " was already accepted (the group is at epoch " + r.current()
                    + "); process it and try again");
        };
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

    private Reply groupInfo(Call call) throws Exception {
        String group = call.param("group");
        MlsWire.groupIdBytes(group);
        String installation = MlsWire.installation(call.param("installation"));
        String me = call.caller().id();
        GroupLog.GroupInfo gi = switch (groups.groupInfo(group, new GroupLog.Installation(me, installation))) {
            case GroupLog.GroupInfo found -> found;
            case GroupLog.NotMember r -> throw notMember();
            case GroupLog.NoGroupInfo r -> throw ApiException.notFound("the hub holds no GroupInfo for group "
                    + group);
        };
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
        long seq = switch (groups.append(group, new GroupLog.Installation(me, installation), pm.epoch(), msg,
                clock.millis())) {
            case GroupLog.Appended a -> {
                wakeUp(a.routed());
                yield a.seq();
            }
            case GroupLog.NotMember r -> throw notMember();
            case GroupLog.StaleEpoch r -> throw new ApiException(ErrorReason.STALE_EPOCH, "the group is at epoch "
                    + r.current() + ", the message is for " + pm.epoch() + "; process pending commits and send again");
        };
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
        switch (groups.leave(group, new GroupLog.Installation(me, installation), clock.millis())) {
            case GroupLog.Left l -> wakeUp(l.routed());
            case GroupLog.NotMember r -> throw notMember();
        }
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("left", true);
        return Reply.ok(o);
    }

    private static ApiException notMember() {
        return ApiException.forbidden("this installation is not a member of the group");
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
                    monitor.wait(Math.max(1, Math.min(HubLimits.LONG_POLL_RECHECK_MS,
                            deadline - System.currentTimeMillis())));
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
        ArrayNode out = Json.object().arrayNode();
        for (InboxStore.Item item : inboxes.pending(me, installation, MAX_INBOX_ITEMS)) {
            ObjectNode i = out.addObject();
            i.put("group", item.group());
            i.put("seq", item.seq());
            i.put("kind", item.kind());
            i.put("epoch", item.epoch());
            i.put("sender", item.sender());
            i.put("senderInstallation", item.senderInstallation());
            i.put("body", Bytes.b64(item.body()));
        }
        return out;
    }

    /**
     * Tells every installation of these agents with an open push socket on this process that something is pending
     * for them outside their inbox (a task for a topic they subscribe to, an answer to their task); the client then
     * looks with a signed request.
     */
    public void wakeAgents(java.util.Collection<String> agents) {
        push.notifyAgents(Set.copyOf(agents));
    }

    private void wakeUp(Set<GroupLog.Installation> installations) {
        for (GroupLog.Installation i : installations) {
            String key = i.agent() + "/" + i.installation();
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
        if (!acks.isArray() || acks.isEmpty() || acks.size() > HubLimits.ACKS_PER_REQUEST) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field 'acks' must hold 1 to " + HubLimits.ACKS_PER_REQUEST
                    + " {group, seq}");
        }
        List<InboxStore.Ack> list = new ArrayList<>();
        for (JsonNode a : acks) {
            Call.onlyFields(a, "group", "seq");
            String g = Call.text(a, "group", 44);
            MlsWire.groupIdBytes(g);
            list.add(new InboxStore.Ack(g, Call.integer(a, "seq", 0, Long.MAX_VALUE)));
        }
        String me = call.caller().id();
        // Like every inbox route: another identity's installation (or one never seen) is unknown here.
        requireKnownInstallation(me, installation);
        inboxes.acknowledge(me, installation, list);
        long now = clock.millis();
        long last = lastPurgeMs.get();
        // Retention runs at most every 10 minutes, piggybacked on acknowledgements (no thread to manage).
        if (now - last > HubLimits.RETENTION_SWEEP_MS && lastPurgeMs.compareAndSet(last, now)) {
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
        if (deny) {
            inboxes.deny(me, other, clock.millis());
        } else {
            inboxes.allow(me, other);
        }
        ObjectNode o = Json.object();
        o.put("agent", other);
        o.put("denied", deny);
        return Reply.ok(o);
    }

    // --- retention ---------------------------------------------------------------------------------------------

    /** Deletes messages every routed installation acknowledged, and any older than the retention period. */
    void purge() {
        try {
            long cutoff = clock.millis() - retentionMs;
            inboxes.purge(cutoff);
        } catch (SQLException | RuntimeException e) {
            // Retried on the next round; keeping messages longer is the safe failure.
            LOG.warn("message purge failed, retried later: {}", e.toString());
        }
    }
}
