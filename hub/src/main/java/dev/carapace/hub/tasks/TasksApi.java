package dev.carapace.hub.tasks;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.limits.KeyedBuckets;
import dev.carapace.hub.limits.RateLimiter.Tier;
import dev.carapace.hub.log.LogOutbox;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.hub.messaging.MessagingApi;
import dev.carapace.hub.store.IdentityStore;
import dev.carapace.protocol.ErrorReason;
import dev.carapace.tasks.Task;
import dev.carapace.tasks.TaskOutcome;
import dev.carapace.tasks.TaskResponse;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The task routes: post a task to a topic or to named agents, list and show tasks, claim and answer, record the
 * room, close with an outcome (appended to the transparency log), and subscribe to topics. Every statement in a body
 * is a DSSE envelope signed by the caller's current key, checked before anything is stored.
 */
public final class TasksApi {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TasksApi.class);

    /** The rate-limit tier of a caller, as the request pipeline computes it. */
    @FunctionalInterface
    public interface TierOf {
        Tier of(Call.Caller caller) throws SQLException;
    }

    private final TaskStore store;
    private final IdentityStore identities;
    private final LogOutbox logOutbox;
    private final MessagingApi messaging;
    private final TierOf tierOf;
    private final Clock clock;
    private final Map<Tier, KeyedBuckets> posts = new EnumMap<>(Tier.class);
    private final Map<Tier, KeyedBuckets> answers = new EnumMap<>(Tier.class);
    private final KeyedBuckets unverifiedPerTopic = new KeyedBuckets(
            HubLimits.TASK_UNVERIFIED_POSTS_PER_TOPIC_PER_MINUTE, Duration.ofMinutes(1), HubLimits.TASK_TRACKED_KEYS);

    public TasksApi(TaskStore store, IdentityStore identities, LogOutbox logOutbox, MessagingApi messaging,
                    TierOf tierOf, Clock clock) {
        this.store = store;
        this.identities = identities;
        this.logOutbox = logOutbox;
        this.messaging = messaging;
        this.tierOf = tierOf;
        this.clock = clock;
        for (Tier t : Tier.values()) {
            posts.put(t, new KeyedBuckets(HubLimits.TASK_POSTS_PER_HOUR.get(t), Duration.ofHours(1),
                    HubLimits.TASK_TRACKED_KEYS));
            answers.put(t, new KeyedBuckets(HubLimits.TASK_ANSWERS_PER_HOUR.get(t), Duration.ofHours(1),
                    HubLimits.TASK_TRACKED_KEYS));
        }
    }

    public List<Route> routes() {
        return List.of(
                new Route("POST", "/v1/tasks", Route.Auth.SIGNED, "tasks",
                        "Post a task ({\"task\": DSSE envelope of " + Task.PAYLOAD_TYPE + "}) signed by the caller's"
                                + " current key: to a topic (public) or to named agents (only the question's digest is"
                                + " stored); rate limited by tier.", this::post),
                new Route("GET", "/v1/tasks", Route.Auth.SIGNED, "tasks",
                        "Open tasks the caller sees: of its subscribed topics, addressed to it, or its own.",
                        call -> list(call, null)),
                new Route("GET", "/v1/tasks/{task}", Route.Auth.SIGNED, "tasks",
                        "A task: its statement, state, responses, room and outcome; a task to named agents only to"
                                + " its requester and those agents (404 to anyone else).", this::show),
                new Route("POST", "/v1/tasks/{task}/claim", Route.Auth.SIGNED, "tasks",
                        "Hold one of the room's responder slots while working on the task (before its deadline);"
                                + " rate limited by tier.", call -> answer(call, true)),
                new Route("POST", "/v1/tasks/{task}/responses", Route.Auth.SIGNED, "tasks",
                        "Answer ({\"response\": DSSE envelope of " + TaskResponse.PAYLOAD_TYPE + "}, the digest of"
                                + " the answer said in the room) before the deadline; one per responder, at most the"
                                + " room's responders; rate limited by tier.", call -> answer(call, false)),
                new Route("POST", "/v1/tasks/{task}/room", Route.Auth.SIGNED, "tasks",
                        "The requester records the MLS group of the task's discussion room, once.", this::room),
                new Route("POST", "/v1/tasks/{task}/close", Route.Auth.SIGNED, "tasks",
                        "The requester publishes the outcome ({\"outcome\": DSSE envelope of "
                                + TaskOutcome.PAYLOAD_TYPE + "}), once, until an hour after the room closed; it is"
                                + " appended to the transparency log.", this::close),
                new Route("GET", "/v1/topics", Route.Auth.SIGNED, "tasks",
                        "The topics the caller subscribes to.", this::subscriptions),
                new Route("GET", "/v1/topics/{topic}/tasks", Route.Auth.SIGNED, "tasks",
                        "Open tasks of a topic.", call -> list(call, topic(call))),
                new Route("POST", "/v1/topics/{topic}/subscribe", Route.Auth.SIGNED, "tasks",
                        "Subscribe the caller to a topic: its new tasks are pushed to the caller's installations.",
                        this::subscribe),
                new Route("POST", "/v1/topics/{topic}/unsubscribe", Route.Auth.SIGNED, "tasks",
                        "Unsubscribe the caller from a topic.", this::unsubscribe));
    }

    // --- posting ------------------------------------------------------------------------------------------------

    private Reply post(Call call) throws Exception {
        JsonNode body = call.json();
        Call.onlyFields(body, "task");
        Dsse.Envelope env = envelope(body, "task");
        Task task;
        try {
            task = Task.parse(env);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_TASK, e.getMessage());
        }
        String me = call.caller().id();
        requireSignedByCaller(call, env, task.requester(), "task");
        long now = clock.millis();
        if (Math.abs(now - task.ts()) > HubLimits.TASK_TIMESTAMP_SKEW_MS) {
            throw new ApiException(ErrorReason.STALE_TASK, "a task's timestamp must be within "
                    + HubLimits.TASK_TIMESTAMP_SKEW_MS / 60_000 + " minutes of the hub's clock");
        }
        if (task.deadline() <= now) {
            throw new ApiException(ErrorReason.TASK_EXPIRED, "the task's deadline has passed");
        }
        for (String r : task.to()) {
            if (identities.find(r).isEmpty()) {
                throw new ApiException(ErrorReason.UNKNOWN_RECIPIENT, "no identity " + r + " on this hub");
            }
        }
        Tier tier = tierOf.of(call.caller());
        spend(posts.get(tier), call.spender(), "tasks posted");
        if (task.topic() != null && !task.sealed() && (tier == Tier.NEW || tier == Tier.ANONYMOUS)) {
            long wait = unverifiedPerTopic.tryAcquire(task.topic());
            if (wait > 0) {
                throw new ApiException(ErrorReason.TOPIC_BUSY, "topic " + task.topic() + " takes "
                        + HubLimits.TASK_UNVERIFIED_POSTS_PER_TOPIC_PER_MINUTE + " tasks a minute from new and"
                        + " unverified identities; verified ones are not affected", wait);
            }
        }
        TaskStore.StoredTask stored = new TaskStore.StoredTask(task.id(), me, task.topic(), task.sealed(),
                env.toBytes(), task.room().maxResponders(), 0, task.deadline(), task.roomClosesAt(), now, null, null,
                null);
        TaskStore.PostOutcome outcome = store.post(stored, task.to(), HubLimits.TASK_OPEN_PER_REQUESTER, now);
        switch (outcome) {
            case TaskStore.TooManyOpen t -> throw new ApiException(ErrorReason.TOO_MANY_OPEN_TASKS, "you have "
                    + t.limit() + " tasks with open rooms; close some first", 60);
            case TaskStore.Posted p -> { }
        }
        messaging.wakeAgents(task.sealed() ? task.to()
                : store.subscribers(task.topic(), HubLimits.TASK_WOKEN_SUBSCRIBERS));
        ObjectNode o = Json.object();
        o.put("task", task.id());
        return Reply.json(201, o);
    }

    // --- reading ------------------------------------------------------------------------------------------------

    private Reply list(Call call, String topic) throws Exception {
        ObjectNode o = Json.object();
        ArrayNode arr = o.putArray("tasks");
        long now = clock.millis();
        for (TaskStore.StoredTask t : store.open(call.caller().id(), topic, now, HubLimits.TASK_LISTED)) {
            arr.add(summary(t, now));
        }
        return Reply.ok(o);
    }

    private ObjectNode summary(TaskStore.StoredTask t, long now) throws ApiException {
        ObjectNode o = Json.object();
        o.put("task", t.id());
        o.put("requester", t.requester());
        if (t.topic() != null) {
            o.put("topic", t.topic());
        }
        o.put("state", state(t, now));
        o.put("responders", t.responders());
        o.put("deadline", t.deadlineMs());
        o.put("roomClosesAt", t.closesMs());
        o.set("statement", statementJson(t.envelope()));
        return o;
    }

    private static String state(TaskStore.StoredTask t, long now) {
        if (t.outcome() != null) {
            return "closed";
        }
        if (now >= t.closesMs()) {
            return "lapsed"; // the room closed itself without an outcome: no result
        }
        return now >= t.deadlineMs() ? "discussing" : "open";
    }

    private Reply show(Call call) throws Exception {
        TaskStore.StoredTask t = visibleTask(call);
        long now = clock.millis();
        ObjectNode o = summary(t, now);
        if (t.sealed() && t.requester().equals(call.caller().id())) {
            ArrayNode to = o.putArray("to");
            store.recipients(t.id()).forEach(to::add);
        }
        ArrayNode rs = o.putArray("responses");
        for (TaskStore.StoredResponse r : store.responses(t.id())) {
            ObjectNode ro = rs.addObject();
            ro.put("id", r.responseId());
            ro.put("responder", r.responder());
            ro.put("ts", r.createdMs());
            ro.set("response", statementJson(r.envelope()));
        }
        if (t.room() != null) {
            o.put("room", t.room());
        } else {
            o.putNull("room");
        }
        if (t.outcome() != null) {
            o.set("outcome", statementJson(t.outcome()));
            try {
                o.put("result", TaskOutcome.parse(Dsse.fromJson(t.outcome())).result().wire());
            } catch (CryptoException e) {
                throw new IllegalStateException("a stored outcome does not parse", e);
            }
            if (t.outcomeIndex() != null) {
                o.put("logIndex", t.outcomeIndex());
            } else {
                o.putNull("logIndex");
            }
        } else if ("lapsed".equals(state(t, now))) {
            o.put("result", "none");
        }
        return Reply.ok(o);
    }

    // --- answering ----------------------------------------------------------------------------------------------

    private Reply answer(Call call, boolean claimOnly) throws Exception {
        TaskStore.StoredTask t = visibleTask(call);
        String me = call.caller().id();
        String responseId = null;
        byte[] envelope = null;
        if (claimOnly) {
            if (call.body().length > 0) {
                Call.onlyFields(call.json());
            }
        } else {
            JsonNode body = call.json();
            Call.onlyFields(body, "response");
            Dsse.Envelope env = envelope(body, "response");
            TaskResponse r;
            try {
                r = TaskResponse.parse(env);
            } catch (CryptoException e) {
                throw new ApiException(ErrorReason.INVALID_RESPONSE, e.getMessage());
            }
            if (!r.task().equals(t.id())) {
                throw new ApiException(ErrorReason.INVALID_RESPONSE, "the response is about another task");
            }
            requireSignedByCaller(call, env, r.responder(), "response");
            responseId = r.id();
            envelope = env.toBytes();
        }
        spend(answers.get(tierOf.of(call.caller())), call.spender(), claimOnly ? "claims" : "answers");
        TaskStore.AnswerOutcome outcome = store.answer(t, me, responseId, envelope, clock.millis());
        switch (outcome) {
            case TaskStore.NoSuchTask n -> throw ApiException.notFound("no task " + t.id());
            case TaskStore.OwnTask n -> throw ApiException.forbidden("a requester does not answer its own task");
            case TaskStore.DeadlinePassed d -> throw new ApiException(ErrorReason.DEADLINE_PASSED, "the task's deadline for answers has passed");
            case TaskStore.RoomFull f -> throw new ApiException(ErrorReason.ROOM_FULL, "the task's room holds "
                    + f.maxResponders() + " responders and is full");
            case TaskStore.AlreadyAnswered a -> throw new ApiException(ErrorReason.ALREADY_ANSWERED, claimOnly ? "you already claimed or answered this task" : "you already answered this task");
            case TaskStore.Closed c -> throw new ApiException(ErrorReason.TASK_CLOSED, "the task is closed");
            case TaskStore.Answered a -> { }
        }
        messaging.wakeAgents(List.of(t.requester()));
        ObjectNode o = Json.object();
        o.put("task", t.id());
        if (responseId != null) {
            o.put("response", responseId);
        }
        o.put("claimed", claimOnly);
        return Reply.json(201, o);
    }

    // --- room and outcome ---------------------------------------------------------------------------------------

    private Reply room(Call call) throws Exception {
        TaskStore.StoredTask t = requesterTask(call);
        JsonNode body = call.json();
        Call.onlyFields(body, "group");
        String group = Call.text(body, "group", 64);
        if (!group.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ApiException(ErrorReason.INVALID_FIELD, "field 'group' must be a group id (base64url)");
        }
        switch (store.setRoom(t.id(), group)) {
            case TaskStore.RoomAlreadySet a -> throw new ApiException(ErrorReason.ROOM_EXISTS, "the task's room is "
                    + a.group());
            case TaskStore.NoSuchTask n -> throw ApiException.notFound("no task " + t.id());
            case TaskStore.RoomSet s -> { }
        }
        ObjectNode o = Json.object();
        o.put("task", t.id());
        o.put("room", group);
        return Reply.json(201, o);
    }

    private Reply close(Call call) throws Exception {
        TaskStore.StoredTask t = requesterTask(call);
        JsonNode body = call.json();
        Call.onlyFields(body, "outcome");
        Dsse.Envelope env = envelope(body, "outcome");
        TaskOutcome outcome;
        List<TaskResponse> responses = new ArrayList<>();
        try {
            outcome = TaskOutcome.parse(env);
            for (TaskStore.StoredResponse r : store.responses(t.id())) {
                responses.add(TaskResponse.parse(Dsse.fromJson(r.envelope())));
            }
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_OUTCOME, e.getMessage());
        }
        requireSignedByCaller(call, env, outcome.requester(), "outcome");
        try {
            outcome.requireConsistentWith(Task.parse(Dsse.fromJson(t.envelope())), responses);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_OUTCOME, e.getMessage());
        }
        long now = clock.millis();
        if (Math.abs(now - outcome.ts()) > HubLimits.TASK_TIMESTAMP_SKEW_MS) {
            throw new ApiException(ErrorReason.STALE_OUTCOME, "an outcome's timestamp must be within "
                    + HubLimits.TASK_TIMESTAMP_SKEW_MS / 60_000 + " minutes of the hub's clock");
        }
        byte[] bytes = env.toBytes();
        TaskStore.CloseOutcome closed = store.close(t.id(), bytes, call.caller().id(),
                t.closesMs() + HubLimits.TASK_CLOSE_GRACE_MS, now);
        LogOutbox.Pending owed = switch (closed) {
            case TaskStore.Recorded r -> r.owed();
            case TaskStore.Closed c -> throw new ApiException(ErrorReason.TASK_CLOSED, "the task already has an outcome");
            case TaskStore.Lapsed l -> throw new ApiException(ErrorReason.TASK_LAPSED, "the task's room closed more than"
                    + " an hour ago without an outcome: its result is none");
            case TaskStore.NoSuchTask n -> throw ApiException.notFound("no task " + t.id());
        };
        ObjectNode o = Json.object();
        o.put("task", t.id());
        o.put("outcome", outcome.id());
        try {
            long index = logOutbox.deliverAfterLeftovers(List.of(owed));
            store.outcomeLogged(t.id(), index);
            o.put("logIndex", index);
        } catch (TransparencyLog.UnavailableException e) {
            LOG.warn("transparency log unavailable; the outcome of task {} waits in the outbox: {}", t.id(),
                    e.getMessage());
            o.putNull("logIndex");
            o.put("logPending", true);
        }
        List<String> wake = new ArrayList<>();
        responses.forEach(r -> wake.add(r.responder()));
        messaging.wakeAgents(wake);
        return Reply.json(201, o);
    }

    // --- topics -------------------------------------------------------------------------------------------------

    private Reply subscribe(Call call) throws Exception {
        String topic = topic(call);
        TaskStore.SubscribeOutcome s = store.subscribe(call.caller().id(), topic,
                HubLimits.TASK_SUBSCRIPTIONS_PER_AGENT, clock.millis());
        ObjectNode o = Json.object();
        switch (s) {
            case TaskStore.TooManySubscriptions m -> throw new ApiException(ErrorReason.TOO_MANY_SUBSCRIPTIONS, "an agent subscribes to at most " + m.limit() + " topics");
            case TaskStore.Subscribed added -> o.put("added", added.added());
        }
        o.put("topic", topic);
        return Reply.json(201, o);
    }

    private Reply unsubscribe(Call call) throws Exception {
        String topic = topic(call);
        ObjectNode o = Json.object();
        o.put("topic", topic);
        o.put("removed", store.unsubscribe(call.caller().id(), topic));
        return Reply.ok(o);
    }

    private Reply subscriptions(Call call) throws Exception {
        ObjectNode o = Json.object();
        ArrayNode arr = o.putArray("topics");
        store.subscriptions(call.caller().id()).forEach(arr::add);
        return Reply.ok(o);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static String topic(Call call) throws ApiException {
        String t = call.param("topic");
        if (t == null || !t.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw new ApiException(ErrorReason.INVALID_TOPIC, "a topic is 1 to 64 characters [a-z0-9._-], starting with"
                    + " a letter or digit");
        }
        return t;
    }

    private static String taskId(Call call) throws ApiException {
        String id = call.param("task");
        if (id == null || !id.matches("[A-Za-z0-9_-]{43}")) {
            throw new ApiException(ErrorReason.INVALID_TASK_ID, "a task id is 43 base64url characters");
        }
        return id;
    }

    /** The task, if the caller may see it; else the same 404 as for no task, so a sealed task's existence is secret. */
    private TaskStore.StoredTask visibleTask(Call call) throws ApiException, SQLException {
        String id = taskId(call);
        TaskStore.StoredTask t = store.find(id).orElse(null);
        if (t == null || !store.visibleTo(t, call.caller().id())) {
            throw ApiException.notFound("no task " + id);
        }
        return t;
    }

    private TaskStore.StoredTask requesterTask(Call call) throws ApiException, SQLException {
        TaskStore.StoredTask t = visibleTask(call);
        if (!t.requester().equals(call.caller().id())) {
            throw ApiException.forbidden("only the task's requester may do this");
        }
        return t;
    }

    private static Dsse.Envelope envelope(JsonNode body, String field) throws ApiException {
        try {
            return Dsse.fromJson(body.get(field));
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ENVELOPE, "field '" + field + "': " + e.getMessage());
        }
    }

    /** The statement names the caller as its author and is signed by the key that authenticated this request. */
    private static void requireSignedByCaller(Call call, Dsse.Envelope env, String author, String what)
            throws ApiException {
        if (!author.equals(call.caller().id())) {
            throw ApiException.forbidden("the " + what + " names another author than the caller");
        }
        try {
            call.caller().key().requireSigned(env);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ENVELOPE, "the " + what + " is not signed by your current key");
        }
    }

    private static void spend(KeyedBuckets buckets, String spender, String what) throws ApiException {
        long wait = buckets.tryAcquire(spender);
        if (wait > 0) {
            throw new ApiException(ErrorReason.RATE_LIMITED, "too many " + what + " from this identity for its tier", wait);
        }
    }

    private static JsonNode statementJson(byte[] envelope) {
        try {
            return Json.parse(envelope);
        } catch (CryptoException e) {
            throw new IllegalStateException("a stored statement does not parse", e);
        }
    }
}
