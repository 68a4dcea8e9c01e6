package dev.carapace.tasks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one consensus function: every member of a room, the requester and anyone given the transcript run exactly this
 * on the same inputs and get the same verdict. Its inputs are the task, the responses the hub accepted (the room's
 * members are their responders and the requester) and the room's signed messages, each already verified against its
 * author's key; its only other input is the time at which it is asked.
 *
 * <p>The rules. Messages are taken in (timestamp, id) order, so arrival order does not matter. A message counts only
 * if its author is a member, it is about this task, it was sent before the room closed ({@link Task#roomClosesAt}),
 * and it fits the room's size limit. Candidates are the accepted responses and every member's PROPOSAL or MERGE. Each
 * member has one vote: its first VOTE or AGREEMENT naming a candidate; a later one is a duplicate and is refused. A
 * candidate that holds at least the room's threshold (percent of members, default 60) has consensus, at any time. Once
 * the room has closed without consensus, a candidate with strictly more votes than every other wins by plurality; a
 * tie, or no vote at all, is no result.
 */
public final class Consensus {
    private Consensus() {}

    public enum Result { CONSENSUS, PLURALITY, NONE, OPEN;

        /** The outcome statement's spelling; OPEN has none (there is nothing to publish yet). */
        public String wire() {
            if (this == OPEN) {
                throw new IllegalStateException("an open room has no result yet");
            }
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A message the function did not count, and why (not_member, wrong_task, after_close, ...). */
    public record Refused(String message, String author, String reason) {}

    /**
     * The verdict: the result, the winning candidate (a response or a proposal/merge message), the responses it
     * accepts (a MERGE or PROPOSAL accepts the responses it names), the tally per candidate and what was refused.
     */
    public record Verdict(Result result, String winner, List<String> accepted, Map<String, Integer> tally,
                          int members, List<Refused> refused) {}

    public static Verdict decide(Task task, List<TaskResponse> responses, List<RoomMessage> transcript, long now) {
        Set<String> members = new LinkedHashSet<>();
        members.add(task.requester());
        Map<String, TaskResponse> byId = new LinkedHashMap<>();
        for (TaskResponse r : responses) {
            if (r.task().equals(task.id()) && !r.responder().equals(task.requester())) {
                byId.put(r.id(), r);
                members.add(r.responder());
            }
        }
        // Candidates and the responses each one stands for.
        Map<String, List<String>> candidates = new LinkedHashMap<>();
        byId.keySet().forEach(id -> candidates.put(id, List.of(id)));
        Map<String, Integer> tally = new TreeMap<>();
        byId.keySet().forEach(id -> tally.put(id, 0));
        Map<String, String> voteOf = new HashMap<>();
        List<Refused> refused = new ArrayList<>();

        List<RoomMessage> ordered = new ArrayList<>(transcript);
        ordered.sort(Comparator.comparingLong(RoomMessage::ts).thenComparing(RoomMessage::id));
        Set<String> seen = new java.util.HashSet<>();
        for (RoomMessage m : ordered) {
            String why = null;
            if (!seen.add(m.id())) {
                why = "repeated";
            } else if (!m.task().equals(task.id())) {
                why = "wrong_task";
            } else if (!members.contains(m.author())) {
                why = "not_member";
            } else if (m.ts() >= task.roomClosesAt()) {
                why = "after_close";
            } else if (m.envelope().payload().length > task.room().maxMessageBytes()) {
                why = "too_large";
            } else if (m.kind() == RoomMessage.Kind.RESPONSE) {
                TaskResponse r = byId.get(m.refs().get(0));
                if (r == null || !r.responder().equals(m.author())
                        || !r.contentDigest().equals(m.content().digest())) {
                    why = "response_mismatch";
                }
            } else if (m.kind().isCandidate()) {
                List<String> stands = new ArrayList<>();
                for (String ref : m.refs()) {
                    List<String> c = candidates.get(ref);
                    if (c == null) {
                        why = "unknown_candidate";
                        break;
                    }
                    c.forEach(x -> { if (!stands.contains(x)) stands.add(x); });
                }
                if (why == null) {
                    candidates.put(m.id(), List.copyOf(stands));
                    tally.put(m.id(), 0);
                }
            } else if (m.kind().isVote()) {
                String choice = m.refs().get(0);
                if (!candidates.containsKey(choice)) {
                    why = "unknown_candidate";
                } else if (voteOf.containsKey(m.author())) {
                    why = "duplicate_vote";
                } else {
                    voteOf.put(m.author(), choice);
                    tally.merge(choice, 1, Integer::sum);
                }
            } else if (!m.refs().isEmpty() && !m.refs().stream().allMatch(candidates::containsKey)) {
                why = "unknown_candidate"; // an ARGUMENT or OBJECTION about nothing in the room
            }
            if (why != null) {
                refused.add(new Refused(m.id(), m.author(), why));
            }
        }

        int n = members.size();
        for (Map.Entry<String, Integer> e : tally.entrySet()) {
            if ((long) e.getValue() * 100 >= (long) task.room().threshold() * n) {
                return new Verdict(Result.CONSENSUS, e.getKey(), candidates.get(e.getKey()), tally, n, refused);
            }
        }
        if (now < task.roomClosesAt()) {
            return new Verdict(Result.OPEN, null, List.of(), tally, n, refused);
        }
        String best = null;
        int bestVotes = 0;
        boolean tie = false;
        for (Map.Entry<String, Integer> e : tally.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
                tie = false;
            } else if (e.getValue() == bestVotes && bestVotes > 0) {
                tie = true;
            }
        }
        if (best == null || tie) {
            return new Verdict(Result.NONE, null, List.of(), tally, n, refused);
        }
        return new Verdict(Result.PLURALITY, best, candidates.get(best), tally, n, refused);
    }
}
