package dev.carapace.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.tasks.Consensus.Result;
import dev.carapace.tasks.RoomMessage.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsensusTest {
    static final long T0 = 1_700_000_000_000L;
    Parties requester;
    List<Parties> responders;
    Task task;
    List<TaskResponse> responses;
    List<RoomMessage> room;

    @BeforeEach
    void setUp() {
        requester = Parties.agent();
        responders = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            responders.add(Parties.agent());
        }
        task = Task.create(requester.log(), requester.key(), "math", List.of(), new Task.Body("2+2?", null), null,
                2, T0 + 60_000, new Task.RoomRules(60_000, 10, 60, 16 * 1024), T0);
        responses = new ArrayList<>();
        room = new ArrayList<>();
        for (int i = 0; i < responders.size(); i++) {
            Parties p = responders.get(i);
            TaskResponse.Content c = new TaskResponse.Content(i % 2 == 0 ? "4" : "5", null, null);
            TaskResponse r = TaskResponse.create(p.log(), p.key(), task.id(), c, T0 + 1000 + i);
            responses.add(r);
            room.add(RoomMessage.create(p.log(), p.key(), task.id(), Kind.RESPONSE, List.of(r.id()), null, c,
                    T0 + 2000 + i));
        }
    }

    RoomMessage vote(Parties who, String candidate, long ts) {
        return RoomMessage.create(who.log(), who.key(), task.id(), Kind.VOTE, List.of(candidate), null, null, ts);
    }

    Consensus.Verdict decide(long now) {
        return Consensus.decide(task, responses, room, now);
    }

    @Test
    void threeOfFiveMembersIsConsensusAtSixtyPercent() {
        String four = responses.get(0).id();
        room.add(vote(responders.get(0), four, T0 + 10_000));
        room.add(vote(responders.get(2), four, T0 + 10_001));
        assertThat(decide(T0 + 20_000).result()).isEqualTo(Result.OPEN);
        room.add(vote(requester, four, T0 + 10_002));
        Consensus.Verdict v = decide(T0 + 20_000);
        assertThat(v.result()).isEqualTo(Result.CONSENSUS);
        assertThat(v.accepted()).containsExactly(four);
        assertThat(v.members()).isEqualTo(5);
    }

    @Test
    void theVerdictDoesNotDependOnArrivalOrder() {
        String four = responses.get(0).id();
        room.add(vote(responders.get(0), four, T0 + 10_000));
        room.add(vote(responders.get(2), four, T0 + 10_001));
        room.add(vote(requester, four, T0 + 10_002));
        Consensus.Verdict forward = decide(T0 + 20_000);
        Collections.reverse(room);
        assertThat(decide(T0 + 20_000)).isEqualTo(forward);
    }

    @Test
    void atTheCloseAStrictPluralityWinsATieOrSilenceIsNoResult() {
        long closed = task.roomClosesAt();
        assertThat(decide(closed).result()).isEqualTo(Result.NONE);
        room.add(vote(responders.get(0), responses.get(0).id(), T0 + 10_000));
        room.add(vote(responders.get(1), responses.get(1).id(), T0 + 10_001));
        assertThat(decide(closed).result()).isEqualTo(Result.NONE);
        room.add(vote(responders.get(2), responses.get(1).id(), T0 + 10_002));
        Consensus.Verdict v = decide(closed);
        assertThat(v.result()).isEqualTo(Result.PLURALITY);
        assertThat(v.accepted()).containsExactly(responses.get(1).id());
    }

    @Test
    void aVoteBySomeoneOutsideTheRoomIsRefused() {
        Parties outsider = Parties.agent();
        for (int i = 0; i < 10; i++) {
            Parties sybil = Parties.agent();
            room.add(vote(sybil, responses.get(1).id(), T0 + 10_000 + i));
        }
        room.add(vote(outsider, responses.get(1).id(), T0 + 10_100));
        Consensus.Verdict v = decide(task.roomClosesAt());
        assertThat(v.result()).isEqualTo(Result.NONE);
        assertThat(v.tally().get(responses.get(1).id())).isZero();
        assertThat(v.refused()).hasSize(11).allMatch(r -> r.reason().equals("not_member"));
    }

    @Test
    void aSecondVoteOfTheSameMemberIsADuplicateAndIsRefused() {
        Parties p = responders.get(1);
        room.add(vote(p, responses.get(1).id(), T0 + 10_000));
        room.add(vote(p, responses.get(1).id(), T0 + 10_001));
        room.add(RoomMessage.create(p.log(), p.key(), task.id(), Kind.AGREEMENT, List.of(responses.get(0).id()),
                null, null, T0 + 10_002));
        Consensus.Verdict v = decide(T0 + 20_000);
        assertThat(v.tally().get(responses.get(1).id())).isEqualTo(1);
        assertThat(v.tally().get(responses.get(0).id())).isZero();
        assertThat(v.refused()).extracting(Consensus.Refused::reason).containsExactly("duplicate_vote",
                "duplicate_vote");
    }

    @Test
    void votesAfterTheRoomClosedDoNotCount() {
        for (Parties p : responders) {
            room.add(vote(p, responses.get(0).id(), task.roomClosesAt() + 1));
        }
        Consensus.Verdict v = decide(task.roomClosesAt() + 10);
        assertThat(v.result()).isEqualTo(Result.NONE);
        assertThat(v.refused()).hasSize(4).allMatch(r -> r.reason().equals("after_close"));
    }

    @Test
    void aVoteForNoCandidateAndAForgedResponseAreRefused() {
        Parties p = responders.get(0);
        room.add(vote(p, task.id(), T0 + 10_000)); // a well-formed id, but no candidate
        // Another responder says content under p's response id: not its response.
        Parties q = responders.get(1);
        room.add(RoomMessage.create(q.log(), q.key(), task.id(), Kind.RESPONSE, List.of(responses.get(0).id()), null,
                new TaskResponse.Content("forged", null, null), T0 + 10_001));
        assertThat(decide(T0 + 20_000).refused()).extracting(Consensus.Refused::reason)
                .containsExactly("unknown_candidate", "response_mismatch");
    }

    @Test
    void aMergeIsACandidateThatAcceptsTheResponsesItMerges() {
        Parties p = responders.get(0);
        RoomMessage merge = RoomMessage.create(p.log(), p.key(), task.id(), Kind.MERGE,
                List.of(responses.get(0).id(), responses.get(2).id()), "4, both agree", null, T0 + 5_000);
        room.add(merge);
        room.add(vote(responders.get(0), merge.id(), T0 + 10_000));
        room.add(vote(responders.get(1), merge.id(), T0 + 10_001));
        room.add(vote(responders.get(2), merge.id(), T0 + 10_002));
        Consensus.Verdict v = decide(T0 + 20_000);
        assertThat(v.result()).isEqualTo(Result.CONSENSUS);
        assertThat(v.winner()).isEqualTo(merge.id());
        assertThat(v.accepted()).containsExactly(responses.get(0).id(), responses.get(2).id());
    }
}
