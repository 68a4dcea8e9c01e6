package dev.carapace.client.tasks;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.client.chat.StateVault;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.tasks.Consensus;
import dev.carapace.tasks.RoomMessage;
import dev.carapace.tasks.Task;
import dev.carapace.tasks.TaskOutcome;
import dev.carapace.tasks.TaskResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One agent's side of tasks, over its {@link ChatClient}: it posts (sending a sealed question to each named agent
 * end-to-end encrypted, in their direct group), answers, opens and fills discussion rooms (MLS groups: the requester
 * creates the room at the first response and adds each responder), says signed room messages, keeps each room's
 * verified transcript, runs the shared {@link Consensus} function on it and publishes the outcome.
 *
 * <p>Everything another agent wrote reaches the caller only as verified statements whose text is the caller's to
 * treat as data ({@link dev.carapace.tasks.UntrustedText}). Local task records (questions, transcripts) are sealed at
 * rest under the chat storage key.
 */
public final class TaskAgent {
    /** The message that carries a sealed task's question to a named agent, inside their direct MLS group. */
    static final String BODY_MESSAGE = "carapace.task-body.v1";
    private static final String PURPOSE = "carapace.task.record.v1";

    private final TasksClient tasks;
    private final ChatClient chat;
    private final KeyEventLog identity;
    private final Ed25519KeyPair key;
    private final String me;
    private final Path dir;
    private final StateVault vault;
    /** Members allowed as chat contacts by this agent object, so a long-running agent allows each only once. */
    private final Set<String> allowedHere = new HashSet<>();

    /** What one {@link #pump} brought: questions that arrived, and room messages, each verified. */
    public record Progress(List<Task> tasks, List<RoomMessage> messages, List<String> refused) {}

    public TaskAgent(HubClient hub, ChatClient chat, KeyEventLog identity, Ed25519KeyPair key, Path dir,
                     byte[] storageKey) throws IOException {
        this.tasks = new TasksClient(hub, Signer.current(identity, key));
        this.chat = chat;
        this.identity = identity;
        this.key = key;
        this.me = identity.id().toString();
        this.dir = dir;
        this.vault = new StateVault(storageKey);
        SecureFiles.createPrivateDirectories(dir);
    }

    public TasksClient hub() {
        return tasks;
    }

    // --- posting and answering ---------------------------------------------------------------------------------

    /** Posts a task; a sealed one's question goes to each named agent through their direct group. */
    public Task post(String topic, List<String> to, Task.Body body, Task.SkillRef skill, int minResponses,
                     long deadline, Task.RoomRules rules) throws IOException, HubException {
        Task task = Task.create(identity, key, topic, to, body, skill, minResponses, deadline, rules,
                System.currentTimeMillis());
        tasks.post(task);
        ObjectNode rec = record(task, "requester");
        rec.set("body", body.toJson());
        save(task.id(), rec);
        for (String agent : to) {
            ObjectNode m = Json.object();
            m.put("v", BODY_MESSAGE);
            m.put("task", task.id());
            m.set("body", body.toJson());
            chat.send(chat.direct(agent), Json.compact(m));
        }
        return task;
    }

    /** The question of a task: from the statement, or, sealed, as it reached this agent end to end. */
    public Task.Body question(String taskId) throws IOException, HubException {
        Task task = tasks.show(taskId).task();
        if (!task.sealed()) {
            return task.body();
        }
        ObjectNode rec = load(taskId);
        if (rec == null || !rec.has("body")) {
            pump();
            rec = load(taskId);
        }
        if (rec == null || !rec.has("body")) {
            return null;
        }
        try {
            return Task.Body.fromJson(rec.get("body"));
        } catch (CryptoException e) {
            throw new IOException("stored question of " + taskId + " is invalid: " + e.getMessage(), e);
        }
    }

    /**
     * Answers a task: the response (the content's digest) goes to the hub; the content itself is said in the room
     * once the requester has added this agent to it ({@link #pump} does).
     */
    public TaskResponse answer(String taskId, TaskResponse.Content content) throws IOException, HubException {
        TasksClient.View view = tasks.show(taskId);
        int size = Json.compact(content.toJson()).getBytes(StandardCharsets.UTF_8).length;
        if (size > view.task().room().maxMessageBytes()) {
            throw new IllegalArgumentException("the answer is " + size + " bytes; this task's room takes at most "
                    + view.task().room().maxMessageBytes());
        }
        TaskResponse response = TaskResponse.create(identity, key, taskId, content, System.currentTimeMillis());
        tasks.answer(response);
        ObjectNode rec = load(taskId);
        if (rec == null) {
            rec = record(view.task(), "responder");
        }
        rec.put("role", "responder");
        rec.set("response", response.envelope().toJson());
        rec.set("content", content.toJson());
        rec.put("responseSaid", false);
        save(taskId, rec);
        pump();
        return response;
    }

    /** Says a signed message in the task's room. */
    public RoomMessage discuss(String taskId, RoomMessage.Kind kind, List<String> refs, String text)
            throws IOException, HubException {
        if (kind == RoomMessage.Kind.RESPONSE) {
            throw new IllegalArgumentException("a RESPONSE is said by answering the task");
        }
        pump();
        ObjectNode rec = load(taskId);
        String room = rec == null ? null : rec.path("room").asString(null);
        if (room == null || !inGroup(room)) {
            throw new IllegalStateException("this agent is not in the room of task " + taskId + " (yet)");
        }
        RoomMessage m = RoomMessage.create(identity, key, taskId, kind, refs, text, null,
                System.currentTimeMillis());
        say(parseTask(rec), room, m);
        addToTranscript(rec, m);
        save(taskId, rec);
        return m;
    }

    private void say(Task task, String room, RoomMessage m) throws IOException, HubException {
        if (m.ts() >= task.roomClosesAt()) {
            throw new IllegalStateException("the room of task " + task.id() + " has closed");
        }
        if (m.envelope().payload().length > task.room().maxMessageBytes()) {
            throw new IllegalArgumentException("the message is larger than the room's limit of "
                    + task.room().maxMessageBytes() + " bytes");
        }
        chat.send(room, Json.compact(m.envelope().toJson()));
    }

    // --- the loop -----------------------------------------------------------------------------------------------

    /**
     * Brings every task this agent takes part in forward: receives sealed questions, opens the room and adds new
     * responders (requester), says its response once in the room (responder), and reads the room's new messages,
     * each verified against its author's key and its MLS sender.
     */
    public Progress pump() throws IOException, HubException {
        List<Task> arrived = new ArrayList<>();
        List<RoomMessage> said = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        ChatClient.SyncReport report = chat.sync();
        // A sealed question comes from its requester, whom this agent may not have allowed yet: held ones count
        // too (the question is checked against the task's signed digest, whoever the chat lets through).
        List<ChatClient.ChatMessage> incoming = new ArrayList<>(report.received());
        incoming.addAll(chat.requests());
        for (ChatClient.ChatMessage m : incoming) {
            Task t = sealedQuestion(m, refused);
            if (t != null) {
                arrived.add(t);
            }
        }
        for (String taskId : localTasks()) {
            ObjectNode rec = load(taskId);
            if (rec.path("done").asBoolean(false)) {
                continue;
            }
            TasksClient.View view;
            try {
                view = tasks.show(taskId);
            } catch (HubException e) {
                if (e.status() == 404) {
                    continue;
                }
                throw e;
            }
            String role = rec.path("role").asString("");
            if (role.equals("requester") && !view.responses().isEmpty() && view.outcome() == null
                    && System.currentTimeMillis() < view.task().roomClosesAt()) {
                openRoom(rec, view);
            }
            if (view.room() != null && !rec.has("room")) {
                rec.put("room", view.room());
            }
            String room = rec.path("room").asString(null);
            if (room != null && inGroup(room)) {
                if (role.equals("responder") && !rec.path("responseSaid").asBoolean(false)) {
                    sayResponse(rec, view, room);
                }
                readRoom(rec, view, room, said, refused);
            }
            if (view.outcome() != null || "lapsed".equals(view.state())) {
                rec.put("done", true); // nothing more will happen: later pumps leave it alone
            }
            save(taskId, rec);
        }
        return new Progress(arrived, said, refused);
    }

    private void openRoom(ObjectNode rec, TasksClient.View view) throws IOException, HubException {
        String room = view.room();
        if (room == null) {
            room = chat.createGroup("task " + view.task().id());
            tasks.setRoom(view.task().id(), room);
        }
        rec.put("room", room);
        ArrayNode invited = rec.withArray("invited");
        Set<String> already = new HashSet<>();
        invited.forEach(n -> already.add(n.asString()));
        List<String> fresh = new ArrayList<>();
        for (TaskResponse r : view.responses()) {
            if (!already.contains(r.responder())) {
                fresh.add(r.responder());
            }
        }
        if (!fresh.isEmpty()) {
            chat.invite(room, fresh);
            fresh.forEach(invited::add);
        }
    }

    private void sayResponse(ObjectNode rec, TasksClient.View view, String room) throws IOException, HubException {
        try {
            TaskResponse response = TaskResponse.parse(Dsse.fromJson(rec.get("response")));
            TaskResponse.Content content = TaskResponse.Content.fromJson(rec.get("content"));
            RoomMessage m = RoomMessage.create(identity, key, view.task().id(), RoomMessage.Kind.RESPONSE,
                    List.of(response.id()), null, content, System.currentTimeMillis());
            say(view.task(), room, m);
            addToTranscript(rec, m);
            rec.put("responseSaid", true);
        } catch (CryptoException e) {
            throw new IOException("stored response is invalid: " + e.getMessage(), e);
        }
    }

    private void readRoom(ObjectNode rec, TasksClient.View view, String room, List<RoomMessage> said,
                          List<String> refused) throws IOException, HubException {
        // Room members' messages are held as requests until allowed: members are the requester and responders.
        ArrayNode allowed = rec.withArray("allowed");
        Set<String> done = new HashSet<>();
        allowed.forEach(n -> done.add(n.asString()));
        List<String> members = new ArrayList<>();
        members.add(view.task().requester());
        view.responses().forEach(r -> members.add(r.responder()));
        for (String member : members) {
            if (!member.equals(me) && done.add(member)) {
                if (allowedHere.add(member)) {
                    chat.allow(member);
                }
                allowed.add(member);
            }
        }
        for (ChatClient.ChatMessage cm : chat.read(room)) {
            try {
                Dsse.Envelope env = Dsse.fromJson(cm.text().getBytes(StandardCharsets.UTF_8));
                RoomMessage m = RoomMessage.parse(env);
                if (!m.author().equals(cm.sender())) {
                    throw new CryptoException("signed by " + m.author() + " but sent by " + cm.sender());
                }
                if (!m.task().equals(view.task().id())) {
                    throw new CryptoException("about another task");
                }
                tasks.verify(env, m.author());
                if (addToTranscript(rec, m)) {
                    said.add(m);
                }
            } catch (CryptoException | IllegalArgumentException e) {
                refused.add(room + "#" + cm.seq() + " from " + cm.sender() + ": " + e.getMessage());
            }
        }
    }

    /** A sealed question from its requester, checked against the task's digest; null for any other message. */
    private Task sealedQuestion(ChatClient.ChatMessage m, List<String> refused) throws IOException, HubException {
        JsonNode o;
        try {
            o = Json.parse(m.text());
        } catch (CryptoException e) {
            return null; // an ordinary chat message
        }
        if (!o.isObject() || !BODY_MESSAGE.equals(o.path("v").asString(""))) {
            return null;
        }
        try {
            Json.onlyFields(o, BODY_MESSAGE, "v", "task", "body");
            Task.Body body = Task.Body.fromJson(o.get("body"));
            Task task = tasks.show(Json.text(o, "task")).task();
            if (!task.sealed() || !task.requester().equals(m.sender()) || !task.bodyDigest().equals(body.digest())) {
                throw new CryptoException("not the question of task " + task.id() + " from its requester");
            }
            ObjectNode rec = load(task.id());
            if (rec != null && rec.has("body")) {
                return null; // already received
            }
            if (rec == null) {
                rec = record(task, "recipient");
            }
            rec.set("body", body.toJson());
            save(task.id(), rec);
            return task;
        } catch (CryptoException | HubException e) {
            refused.add("question from " + m.sender() + ": " + e.getMessage());
            return null;
        }
    }

    // --- consensus and outcome ----------------------------------------------------------------------------------

    /** The room's verified transcript as this agent holds it. */
    public List<RoomMessage> transcript(String taskId) throws IOException {
        ObjectNode rec = load(taskId);
        List<RoomMessage> out = new ArrayList<>();
        if (rec == null) {
            return out;
        }
        for (JsonNode n : rec.withArray("transcript")) {
            try {
                out.add(RoomMessage.parse(Dsse.fromJson(n)));
            } catch (CryptoException e) {
                throw new IOException("stored transcript of " + taskId + " is invalid: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The shared consensus function on this agent's transcript, now. */
    public Consensus.Verdict verdict(String taskId) throws IOException, HubException {
        TasksClient.View view = tasks.show(taskId);
        return Consensus.decide(view.task(), view.responses(), transcript(taskId), System.currentTimeMillis());
    }

    /** The published outcome and where the log put it (null while the log is catching up). */
    public record Closed(TaskOutcome outcome, Long logIndex) {}

    /**
     * Publishes the outcome: the result is the consensus function's on the transcript (an open room closed early is
     * "none"); the accepted responses are {@code accept}, or the verdict's when none are given.
     */
    public Closed close(String taskId, List<String> accept, List<TaskOutcome.Rating> ratings)
            throws IOException, HubException {
        pump();
        Consensus.Verdict v = verdict(taskId);
        Consensus.Result result = v.result() == Consensus.Result.OPEN ? Consensus.Result.NONE : v.result();
        TaskOutcome outcome = TaskOutcome.create(identity, key, taskId, result, accept.isEmpty() ? v.accepted()
                : accept, ratings, System.currentTimeMillis());
        JsonNode answer = tasks.close(outcome);
        return new Closed(outcome, answer.hasNonNull("logIndex") ? answer.get("logIndex").asLong() : null);
    }

    // --- local records ------------------------------------------------------------------------------------------

    private ObjectNode record(Task task, String role) {
        ObjectNode rec = Json.object();
        rec.set("task", task.envelope().toJson());
        rec.put("role", role);
        return rec;
    }

    private static Task parseTask(ObjectNode rec) throws IOException {
        try {
            return Task.parse(Dsse.fromJson(rec.get("task")));
        } catch (CryptoException e) {
            throw new IOException("stored task is invalid: " + e.getMessage(), e);
        }
    }

    private static boolean addToTranscript(ObjectNode rec, RoomMessage m) {
        ArrayNode t = rec.withArray("transcript");
        for (JsonNode n : t) {
            try {
                if (RoomMessage.parse(Dsse.fromJson(n)).id().equals(m.id())) {
                    return false;
                }
            } catch (CryptoException e) {
                return false;
            }
        }
        t.add(m.envelope().toJson());
        return true;
    }

    private boolean inGroup(String group) throws IOException {
        for (ChatClient.GroupInfo g : chat.groups()) {
            if (g.group().equals(group) && !g.removed()) {
                return true;
            }
        }
        return false;
    }

    private Path file(String taskId) {
        if (!taskId.matches("[A-Za-z0-9_-]{43}")) {
            throw new IllegalArgumentException("a task id is 43 base64url characters");
        }
        return dir.resolve(taskId + ".task");
    }

    private ObjectNode load(String taskId) throws IOException {
        byte[] b = vault.read(file(taskId), PURPOSE);
        if (b == null) {
            return null;
        }
        try {
            return Json.parseObject(b);
        } catch (CryptoException e) {
            throw new IOException("task record " + taskId + " is invalid: " + e.getMessage(), e);
        }
    }

    private void save(String taskId, ObjectNode rec) throws IOException {
        vault.write(file(taskId), PURPOSE, Json.compact(rec).getBytes(StandardCharsets.UTF_8));
    }

    private List<String> localTasks() throws IOException {
        List<String> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".task")) {
                    out.add(n.substring(0, n.length() - 5));
                }
            }
        }
        return out;
    }
}
