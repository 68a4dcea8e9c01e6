package dev.carapace.client.tasks;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.tasks.Statements;
import dev.carapace.tasks.Task;
import dev.carapace.tasks.TaskOutcome;
import dev.carapace.tasks.TaskResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The hub's task routes for one identity. What the hub hands back is checked, never trusted: a task's statement and
 * every response are verified against their authors' key histories (fetched and verified from the hub), so a hub
 * cannot invent a response or alter a question.
 */
public final class TasksClient {
    private final HubClient hub;
    private final Signer signer;
    private final Map<String, KeyEventLog> histories = new HashMap<>();

    public TasksClient(HubClient hub, Signer signer) {
        this.hub = hub;
        this.signer = signer;
    }

    /** A task as the hub shows it, every statement verified. */
    public record View(Task task, String state, List<TaskResponse> responses, String room, TaskOutcome outcome,
                       String result, Long logIndex) {}

    public String post(Task task) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("task", task.envelope().toJson());
        return hub.send("POST", "/v1/tasks", body, signer).get("task").asString();
    }

    /** Open tasks the caller sees (its topics, addressed to it, its own), or those of one topic. */
    public List<Task> list(String topic) throws IOException, HubException {
        String path = topic == null ? "/v1/tasks"
                : "/v1/topics/" + URLEncoder.encode(topic, StandardCharsets.UTF_8) + "/tasks";
        List<Task> out = new ArrayList<>();
        for (JsonNode n : hub.send("GET", path, null, signer).path("tasks")) {
            out.add(verifiedTask(n.get("statement")));
        }
        return out;
    }

    public View show(String taskId) throws IOException, HubException {
        JsonNode o = hub.send("GET", "/v1/tasks/" + taskId, null, signer);
        Task task = verifiedTask(o.get("statement"));
        if (!task.id().equals(taskId)) {
            throw new IOException("the hub answered another task than " + taskId);
        }
        List<TaskResponse> responses = new ArrayList<>();
        for (JsonNode r : o.path("responses")) {
            try {
                Dsse.Envelope env = Dsse.fromJson(r.get("response"));
                TaskResponse resp = TaskResponse.parse(env);
                if (!resp.task().equals(taskId)) {
                    throw new IOException("the hub lists a response to another task");
                }
                verify(env, resp.responder());
                responses.add(resp);
            } catch (CryptoException e) {
                throw new IOException("the hub lists a response that does not verify: " + e.getMessage(), e);
            }
        }
        TaskOutcome outcome = null;
        if (o.hasNonNull("outcome")) {
            try {
                Dsse.Envelope env = Dsse.fromJson(o.get("outcome"));
                outcome = TaskOutcome.parse(env);
                verify(env, task.requester());
                outcome.requireConsistentWith(task, responses);
            } catch (CryptoException e) {
                throw new IOException("the hub shows an outcome that does not verify: " + e.getMessage(), e);
            }
        }
        return new View(task, o.path("state").asString(""), List.copyOf(responses),
                o.hasNonNull("room") ? o.get("room").asString() : null, outcome,
                o.hasNonNull("result") ? o.get("result").asString() : null,
                o.hasNonNull("logIndex") ? o.get("logIndex").asLong() : null);
    }

    public void claim(String taskId) throws IOException, HubException {
        hub.send("POST", "/v1/tasks/" + taskId + "/claim", Json.object(), signer);
    }

    public String answer(TaskResponse response) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("response", response.envelope().toJson());
        return hub.send("POST", "/v1/tasks/" + response.task() + "/responses", body, signer).get("response")
                .asString();
    }

    public void setRoom(String taskId, String group) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.put("group", group);
        hub.send("POST", "/v1/tasks/" + taskId + "/room", body, signer);
    }

    /** Publishes the outcome; returns the hub's answer ({@code logIndex}, or {@code logPending}). */
    public JsonNode close(TaskOutcome outcome) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.set("outcome", outcome.envelope().toJson());
        return hub.send("POST", "/v1/tasks/" + outcome.task() + "/close", body, signer);
    }

    public boolean subscribe(String topic) throws IOException, HubException {
        return hub.send("POST", "/v1/topics/" + topicPath(topic) + "/subscribe", Json.object(), signer)
                .path("added").asBoolean();
    }

    public boolean unsubscribe(String topic) throws IOException, HubException {
        return hub.send("POST", "/v1/topics/" + topicPath(topic) + "/unsubscribe", Json.object(), signer)
                .path("removed").asBoolean();
    }

    public List<String> subscriptions() throws IOException, HubException {
        List<String> out = new ArrayList<>();
        hub.send("GET", "/v1/topics", null, signer).path("topics").forEach(n -> out.add(n.asString()));
        return out;
    }

    /** An identity's key history, fetched from the hub and verified (cached for this client's life). */
    public KeyEventLog history(String id) throws IOException, HubException {
        KeyEventLog log = histories.get(id);
        if (log == null) {
            log = hub.identity(id);
            histories.put(id, log);
        }
        return log;
    }

    /**
     * Checks that {@code author} signed {@code env} with a key of its history; a key newer than the cached history
     * fetches the history again, once.
     */
    public void verify(Dsse.Envelope env, String author) throws IOException, HubException, CryptoException {
        try {
            Statements.verifyLogged(env, history(author));
        } catch (CryptoException e) {
            histories.remove(author);
            Statements.verifyLogged(env, history(author));
        }
    }

    private Task verifiedTask(JsonNode statement) throws IOException, HubException {
        try {
            Dsse.Envelope env = Dsse.fromJson(statement);
            Task task = Task.parse(env);
            verify(env, task.requester());
            return task;
        } catch (CryptoException e) {
            throw new IOException("the hub serves a task that does not verify: " + e.getMessage(), e);
        }
    }

    private static String topicPath(String topic) {
        if (topic == null || !topic.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("a topic is 1 to 64 characters [a-z0-9._-], starting with a letter or"
                    + " digit");
        }
        return topic;
    }

}
