package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubException;
import dev.carapace.client.tasks.TasksClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.tasks.Consensus;
import dev.carapace.tasks.Task;
import dev.carapace.tasks.TaskOutcome;
import dev.carapace.tasks.TaskResponse;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The task routes on both backends: the whole path, and every refusal the issue lists under bad input and abuse. */
class TasksTest extends BackendTest {
    private static final Task.RoomRules ROOM = new Task.RoomRules(60_000, 3, 60, 16 * 1024);

    private TasksClient as(HubFixture.Party p) {
        return new TasksClient(f.client, p.signer());
    }

    private static Task topicTask(HubFixture.Party requester, String topic, long deadline, Task.RoomRules room) {
        long now = System.currentTimeMillis();
        return Task.create(requester.log(), requester.key(), topic, List.of(), new Task.Body("What is 6*7?", null),
                null, 1, deadline, room, now);
    }

    private static TaskResponse response(HubFixture.Party responder, Task task, String text) {
        return TaskResponse.create(responder.log(), responder.key(), task.id(),
                new TaskResponse.Content(text, null, null), System.currentTimeMillis());
    }

    private static HubException refused(Attempt a) {
        try {
            a.run();
        } catch (HubException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the request was accepted");
    }

    @FunctionalInterface
    private interface Attempt {
        void run() throws Exception;
    }

    @Test
    void aTopicTaskIsAnsweredClosedAndItsOutcomeLogged() throws Exception {
        HubFixture.Party requester = f.agent();
        HubFixture.Party a = f.agent();
        HubFixture.Party b = f.agent();
        assertThat(as(a).subscribe("math")).isTrue();
        assertThat(as(a).subscribe("math")).isFalse();
        assertThat(as(a).subscriptions()).containsExactly("math");
        Task task = topicTask(requester, "math", System.currentTimeMillis() + 60_000, ROOM);
        assertThat(as(requester).post(task)).isEqualTo(task.id());

        assertThat(as(a).list(null)).extracting(Task::id).containsExactly(task.id());
        assertThat(as(b).list(null)).isEmpty(); // not subscribed
        assertThat(as(b).list("math")).extracting(Task::id).containsExactly(task.id());

        as(b).claim(task.id());
        TaskResponse ra = response(a, task, "42");
        TaskResponse rb = response(b, task, "42, since 6*7=42");
        assertThat(as(a).answer(ra)).isEqualTo(ra.id());
        assertThat(as(b).answer(rb)).isEqualTo(rb.id()); // fills its claim
        as(requester).setRoom(task.id(), "roomGroupId01");

        TasksClient.View view = as(a).show(task.id());
        assertThat(view.state()).isEqualTo("open");
        assertThat(view.responses()).extracting(TaskResponse::id).containsExactlyInAnyOrder(ra.id(), rb.id());
        assertThat(view.room()).isEqualTo("roomGroupId01");

        TaskOutcome outcome = TaskOutcome.create(requester.log(), requester.key(), task.id(),
                Consensus.Result.CONSENSUS, List.of(ra.id()), List.of(new TaskOutcome.Rating(a.id(), true),
                        new TaskOutcome.Rating(b.id(), true)), System.currentTimeMillis());
        long index = as(requester).close(outcome).get("logIndex").asLong();
        assertThat(f.client.logEntry(index)).isEqualTo(outcome.envelope().toBytes());

        view = as(b).show(task.id());
        assertThat(view.state()).isEqualTo("closed");
        assertThat(view.result()).isEqualTo("consensus");
        assertThat(view.outcome().id()).isEqualTo(outcome.id());
        assertThat(view.logIndex()).isEqualTo(index);
        assertThat(as(a).list(null)).isEmpty(); // closed tasks are no longer listed

        assertThat(refused(() -> as(requester).close(outcome)).reason()).isEqualTo("task_closed");
        HubFixture.Party late = f.agent();
        assertThat(refused(() -> as(late).answer(response(late, task, "43"))).reason()).isEqualTo("task_closed");
        assertThat(as(a).unsubscribe("math")).isTrue();
        assertThat(as(a).subscriptions()).isEmpty();
    }

    @Test
    void anExpiredOrStaleTaskIsRefused() throws Exception {
        HubFixture.Party requester = f.agent();
        long now = System.currentTimeMillis();
        Task expired = Task.create(requester.log(), requester.key(), "math", List.of(), new Task.Body("q", null),
                null, 1, now - 1_000, ROOM, now - 120_000);
        HubException e = refused(() -> as(requester).post(expired));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("task_expired");
        Task old = Task.create(requester.log(), requester.key(), "math", List.of(), new Task.Body("q", null),
                null, 1, now + 3_600_000, ROOM, now - 3_600_000);
        assertThat(refused(() -> as(requester).post(old)).reason()).isEqualTo("stale_task");
    }

    @Test
    void anAnswerAfterTheDeadlineIsRefused() throws Exception {
        HubFixture.Party requester = f.agent();
        HubFixture.Party a = f.agent();
        Task task = topicTask(requester, "math", System.currentTimeMillis() + 1_000, ROOM);
        as(requester).post(task);
        Thread.sleep(1_200);
        HubException e = refused(() -> as(a).answer(response(a, task, "42")));
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.reason()).isEqualTo("deadline_passed");
        assertThat(refused(() -> as(a).claim(task.id())).reason()).isEqualTo("deadline_passed");
        assertThat(as(a).show(task.id()).state()).isEqualTo("discussing");
    }

    @Test
    void duplicateOwnAndSurplusAnswersAreRefused() throws Exception {
        HubFixture.Party requester = f.agent();
        Task task = topicTask(requester, "math", System.currentTimeMillis() + 60_000,
                new Task.RoomRules(60_000, 2, 60, 16 * 1024));
        as(requester).post(task);
        HubFixture.Party a = f.agent();
        as(a).answer(response(a, task, "42"));
        assertThat(refused(() -> as(a).answer(response(a, task, "43"))).reason()).isEqualTo("already_answered");
        assertThat(refused(() -> as(a).claim(task.id())).reason()).isEqualTo("already_answered");
        assertThat(refused(() -> as(requester).answer(response(requester, task, "me"))).status()).isEqualTo(403);
        HubFixture.Party b = f.agent();
        as(b).claim(task.id());
        HubFixture.Party c = f.agent();
        HubException full = refused(() -> as(c).answer(response(c, task, "44")));
        assertThat(full.reason()).isEqualTo("room_full");
        // Somebody else's response cannot be posted by a third party, nor one about another task.
        HubFixture.Party d = f.agent();
        assertThat(refused(() -> as(d).answer(response(b, task, "x"))).status()).isEqualTo(403);
        assertThat(as(requester).show(task.id()).responses()).hasSize(1);
    }

    @Test
    void anOutcomeNamingAnAnswerThatDoesNotExistIsRefusedAndNothingIsLogged() throws Exception {
        HubFixture.Party requester = f.agent();
        HubFixture.Party a = f.agent();
        Task task = topicTask(requester, "math", System.currentTimeMillis() + 60_000, ROOM);
        as(requester).post(task);
        TaskResponse ra = response(a, task, "42");
        as(a).answer(ra);
        HubFixture.Party stranger = f.agent();
        long size = f.hub.log().server().checkpointedSize();
        TaskOutcome bogus = TaskOutcome.create(requester.log(), requester.key(), task.id(),
                Consensus.Result.CONSENSUS, List.of(Bytes.b64url(Bytes.sha256(new byte[] {1}))), List.of(),
                System.currentTimeMillis());
        HubException e = refused(() -> as(requester).close(bogus));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("invalid_outcome");
        TaskOutcome ratesStranger = TaskOutcome.create(requester.log(), requester.key(), task.id(),
                Consensus.Result.NONE, List.of(), List.of(new TaskOutcome.Rating(stranger.id(), false)),
                System.currentTimeMillis());
        assertThat(refused(() -> as(requester).close(ratesStranger)).reason()).isEqualTo("invalid_outcome");
        // Only the requester closes, and only with its own statement.
        TaskOutcome byOther = TaskOutcome.create(a.log(), a.key(), task.id(), Consensus.Result.NONE, List.of(),
                List.of(), System.currentTimeMillis());
        assertThat(refused(() -> as(a).close(byOther)).status()).isEqualTo(403);
        assertThat(f.hub.log().server().checkpointedSize()).isEqualTo(size);
        assertThat(as(requester).show(task.id()).state()).isEqualTo("open");
    }

    @Test
    void aRoomWhoseRequesterNeverClosesLapsesWithNoResult() throws Exception {
        HubFixture.Party requester = f.agent();
        HubFixture.Party a = f.agent();
        as(a).subscribe("math");
        Task task = topicTask(requester, "math", System.currentTimeMillis() + 800,
                new Task.RoomRules(1_000, 3, 60, 16 * 1024));
        as(requester).post(task);
        as(a).answer(response(a, task, "42"));
        Thread.sleep(2_000);
        TasksClient.View view = as(a).show(task.id());
        assertThat(view.state()).isEqualTo("lapsed");
        assertThat(view.result()).isEqualTo("none");
        assertThat(view.outcome()).isNull();
        assertThat(as(a).list(null)).isEmpty();
    }

    @Test
    void aTaskToNamedAgentsIsHiddenFromOthersAndTheHubHoldsNoPlaintextOfIt() throws Exception {
        HubFixture.Party requester = f.agent();
        HubFixture.Party named = f.agent();
        HubFixture.Party stranger = f.agent();
        String secret = "the merger code name is BLUEFIN";
        Task task = Task.create(requester.log(), requester.key(), "deals", List.of(named.id()),
                new Task.Body(secret, "input bytes".getBytes(StandardCharsets.UTF_8)), null, 1,
                System.currentTimeMillis() + 60_000, ROOM, System.currentTimeMillis());
        as(requester).post(task);
        as(stranger).subscribe("deals");
        assertThat(as(stranger).list(null)).isEmpty();
        assertThat(as(stranger).list("deals")).isEmpty();
        assertThat(refused(() -> as(stranger).show(task.id())).status()).isEqualTo(404);
        assertThat(refused(() -> as(stranger).claim(task.id())).status()).isEqualTo(404);
        assertThat(as(named).list(null)).extracting(Task::id).containsExactly(task.id());
        assertThat(as(named).show(task.id()).task().sealed()).isTrue();
        // The whole database, every column of every row, decoded as text and base64: no trace of the question.
        List<String> dump = new ArrayList<>();
        f.hub.database().read(c -> {
            for (String table : List.of("tasks", "task_recipients", "task_responses", "log_outbox")) {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT * FROM " + table)) {
                    while (rs.next()) {
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            byte[] b = rs.getBytes(i);
                            if (b != null) {
                                dump.add(new String(b, StandardCharsets.UTF_8));
                            }
                        }
                    }
                }
            }
            return null;
        });
        for (String cell : dump) {
            assertThat(cell).doesNotContain("BLUEFIN");
            try {
                ObjectNode env = (ObjectNode) Json.parse(cell);
                if (env.has("payload")) {
                    assertThat(new String(Bytes.fromB64(env.get("payload").asString()), StandardCharsets.UTF_8))
                            .doesNotContain("BLUEFIN").doesNotContain(Bytes.b64("input bytes".getBytes()));
                }
            } catch (Exception notJson) {
                // plain columns were checked above
            }
        }
    }

    @Test
    void aFloodOfTasksIntoATopicFromFreshIdentitiesStopsAtOneAddressesBudget() throws Exception {
        // Fresh identities are NEW: they spend their address's budget together, so minting keys buys no posts.
        int accepted = 0;
        HubException last = null;
        for (int i = 0; i < 15; i++) {
            HubFixture.Party sybil = f.agent();
            try {
                as(sybil).post(topicTask(sybil, "news", System.currentTimeMillis() + 60_000, ROOM));
                accepted++;
            } catch (HubException e) {
                last = e;
            }
        }
        assertThat(accepted).isEqualTo(10);
        assertThat(last.status()).isEqualTo(429);
        HubFixture.Party reader = f.agent();
        assertThat(as(reader).list("news")).hasSize(10);
    }

    @Test
    void malformedStatementsAreClearRefusals() throws Exception {
        HubFixture.Party requester = f.agent();
        ObjectNode body = Json.object();
        body.put("task", "not an envelope");
        HubException e = refused(() -> f.client.send("POST", "/v1/tasks", body, requester.signer()));
        assertThat(e.status()).isEqualTo(400);
        // A task signed by one agent, posted by another.
        HubFixture.Party other = f.agent();
        Task task = topicTask(requester, "math", System.currentTimeMillis() + 60_000, ROOM);
        assertThat(refused(() -> as(other).post(task)).status()).isEqualTo(403);
        assertThat(refused(() -> f.client.send("GET", "/v1/tasks/short", null, requester.signer())).reason())
                .isEqualTo("invalid_task_id");
        assertThat(refused(() -> f.client.send("POST", "/v1/topics/Bad%20Topic/subscribe", Json.object(),
                requester.signer())).reason()).isEqualTo("invalid_topic");
    }
}
