package dev.carapace.hub.tasks;

import dev.carapace.hub.log.LogOutbox;
import dev.carapace.hub.store.Database;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Where the hub keeps tasks, their responses and topic subscriptions. Each change is one transaction whose outcome
 * is a sealed value: a change that is refused ({@link Database.Refusal}) leaves nothing behind.
 */
public interface TaskStore {
    /** A stored task: its signed statement and what the hub has learnt since. */
    record StoredTask(String id, String requester, String topic, boolean sealed, byte[] envelope, int maxResponders,
                      int responders, long deadlineMs, long closesMs, long createdMs, String room, byte[] outcome,
                      Long outcomeIndex) {}

    /** A responder's row: a claim ({@code envelope} null) or its signed response. */
    record StoredResponse(String responder, String responseId, byte[] envelope, long createdMs) {}

    sealed interface PostOutcome permits Posted, TooManyOpen {}

    record Posted() implements PostOutcome {}

    record TooManyOpen(int limit) implements PostOutcome, Database.Refusal {}

    /** Stores a new task unless its requester already has {@code maxOpen} tasks whose rooms are still open. */
    PostOutcome post(StoredTask task, List<String> recipients, int maxOpen, long now) throws SQLException;

    Optional<StoredTask> find(String id) throws SQLException;

    /** Whether {@code agent} may see the task: anyone for a topic task, the requester and recipients otherwise. */
    boolean visibleTo(StoredTask task, String agent) throws SQLException;

    /** The named agents of a sealed task. */
    List<String> recipients(String taskId) throws SQLException;

    /**
     * Open tasks (room not closed, no outcome) that {@code agent} sees, newest first: in {@code topic} if given, else
     * those of its subscribed topics, addressed to it, or its own.
     */
    List<StoredTask> open(String agent, String topic, long now, int limit) throws SQLException;

    sealed interface AnswerOutcome permits Answered, NoSuchTask, OwnTask, DeadlinePassed, RoomFull, AlreadyAnswered,
            Closed {}

    record Answered(boolean claimOnly) implements AnswerOutcome {}

    record NoSuchTask() implements AnswerOutcome, CloseOutcome, RoomOutcome, Database.Refusal {}

    record OwnTask() implements AnswerOutcome, Database.Refusal {}

    record DeadlinePassed(long deadlineMs) implements AnswerOutcome, Database.Refusal {}

    record RoomFull(int maxResponders) implements AnswerOutcome, Database.Refusal {}

    record AlreadyAnswered() implements AnswerOutcome, Database.Refusal {}

    record Closed() implements AnswerOutcome, CloseOutcome, Database.Refusal {}

    /**
     * Records a claim ({@code responseId} null: a slot held while the responder works) or a response, which fills
     * the responder's claim if it holds one. Before the deadline only, one per responder, at most the room's
     * responders; the requester never answers its own task.
     */
    AnswerOutcome answer(StoredTask task, String responder, String responseId, byte[] envelope, long now)
            throws SQLException;

    /** Signed responses (claims left out), in the order they came. */
    List<StoredResponse> responses(String taskId) throws SQLException;

    sealed interface RoomOutcome permits RoomSet, RoomAlreadySet, NoSuchTask {}

    record RoomSet() implements RoomOutcome {}

    record RoomAlreadySet(String group) implements RoomOutcome, Database.Refusal {}

    /** Records the MLS group of the task's room, once. */
    RoomOutcome setRoom(String taskId, String group) throws SQLException;

    sealed interface CloseOutcome permits Recorded, NoSuchTask, Closed, Lapsed {}

    /** The outcome is stored and owed to the transparency log. */
    record Recorded(LogOutbox.Pending owed) implements CloseOutcome {}

    record Lapsed(long lapsedMs) implements CloseOutcome, Database.Refusal {}

    /**
     * Stores the outcome statement and, in the same transaction, owes it to the transparency log; once only, and no
     * later than {@code lastCloseMs}.
     */
    CloseOutcome close(String taskId, byte[] outcome, String requester, long lastCloseMs, long now)
            throws SQLException;

    /** Notes where the outcome landed in the log, once it has. */
    void outcomeLogged(String taskId, long index) throws SQLException;

    sealed interface SubscribeOutcome permits Subscribed, TooManySubscriptions {}

    record Subscribed(boolean added) implements SubscribeOutcome {}

    record TooManySubscriptions(int limit) implements SubscribeOutcome, Database.Refusal {}

    SubscribeOutcome subscribe(String agent, String topic, int max, long now) throws SQLException;

    boolean unsubscribe(String agent, String topic) throws SQLException;

    List<String> subscriptions(String agent) throws SQLException;

    /** Subscribers of a topic, at most {@code limit} (delivery wakes these). */
    List<String> subscribers(String topic, int limit) throws SQLException;
}
