package dev.carapace.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskOutcomeTest {
    static final long T0 = 1_700_000_000_000L;
    final Parties requester = Parties.agent();
    final Parties responder = Parties.agent();
    final Task task = Task.create(requester.log(), requester.key(), "math", List.of(), new Task.Body("q", null), null,
            1, T0 + 60_000, Task.RoomRules.defaults(), T0);
    final TaskResponse response = TaskResponse.create(responder.log(), responder.key(), task.id(),
            new TaskResponse.Content("a", null, null), T0 + 1);

    @Test
    void theOutcomePayloadIsExactlyTheAgreedShapeAndVerifies() throws Exception {
        TaskOutcome o = TaskOutcome.create(requester.log(), requester.key(), task.id(), Consensus.Result.CONSENSUS,
                List.of(response.id()), List.of(new TaskOutcome.Rating(responder.id(), true)), T0 + 5);
        assertThat(o.envelope().payloadType()).isEqualTo("application/vnd.carapace.task-outcome+json");
        assertThat(new String(o.envelope().payload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"accepted\":[\"" + response.id() + "\"],\"ratings\":[{\"agent\":\"" + responder.id()
                        + "\",\"rating\":\"good\"}],\"requester\":\"" + requester.id()
                        + "\",\"result\":\"consensus\",\"task\":\"" + task.id() + "\",\"ts\":" + (T0 + 5)
                        + ",\"v\":\"carapace.task-outcome.v1\"}");
        assertThat(TaskOutcome.verify(o.envelope(), requester.log())).isEqualTo(o);
        o.requireConsistentWith(task, List.of(response));
    }

    @Test
    void anOutcomeSignedByAnotherKeyOrTamperedIsRefused() {
        TaskOutcome o = TaskOutcome.create(requester.log(), requester.key(), task.id(), Consensus.Result.NONE,
                List.of(), List.of(), T0 + 5);
        assertThatThrownBy(() -> TaskOutcome.verify(o.envelope(), responder.log())).isInstanceOf(
                CryptoException.class);
        byte[] p = o.envelope().payload().clone();
        p[p.length - 3] ^= 1; // a digit of ts
        Dsse.Envelope tampered = new Dsse.Envelope(o.envelope().payloadType(), p, o.envelope().signatures());
        assertThatThrownBy(() -> TaskOutcome.verify(tampered, requester.log())).isInstanceOf(CryptoException.class);
    }

    @Test
    void anOutcomeNamingAnAnswerThatDoesNotExistIsRefused() {
        TaskOutcome o = TaskOutcome.create(requester.log(), requester.key(), task.id(), Consensus.Result.CONSENSUS,
                List.of(task.id()), List.of(), T0 + 5);
        assertThatThrownBy(() -> o.requireConsistentWith(task, List.of(response)))
                .hasMessageContaining("no response to this task");
        TaskOutcome rated = TaskOutcome.create(requester.log(), requester.key(), task.id(), Consensus.Result.NONE,
                List.of(), List.of(new TaskOutcome.Rating(Parties.agent().id(), false)), T0 + 5);
        assertThatThrownBy(() -> rated.requireConsistentWith(task, List.of(response)))
                .hasMessageContaining("did not answer");
    }

    @Test
    void nonCanonicalOrUnknownFieldsOrWrongTypeAreRefused() {
        String json = "{\"v\":\"carapace.task-outcome.v1\",\"task\":\"" + task.id() + "\",\"requester\":\""
                + requester.id() + "\",\"result\":\"none\",\"accepted\":[],\"ratings\":[],\"ts\":1}";
        Dsse.Envelope notCanonical = Dsse.sign(TaskOutcome.PAYLOAD_TYPE, json.getBytes(StandardCharsets.UTF_8),
                requester.log().currentKeyId(), requester.key());
        assertThatThrownBy(() -> TaskOutcome.parse(notCanonical)).hasMessageContaining("canonical");
        TaskOutcome ok = TaskOutcome.create(requester.log(), requester.key(), task.id(), Consensus.Result.NONE,
                List.of(), List.of(), T0);
        Dsse.Envelope wrongType = new Dsse.Envelope(Task.PAYLOAD_TYPE, ok.envelope().payload(),
                ok.envelope().signatures());
        assertThatThrownBy(() -> TaskOutcome.parse(wrongType)).hasMessageContaining("payloadType");
    }
}
