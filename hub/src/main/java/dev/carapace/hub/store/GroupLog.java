package dev.carapace.hub.store;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Each group's totally ordered log of MLS messages and what orders it: the epoch the next commit must be for (one
 * commit per epoch), which installations the group is routed to and from where, the agents its policy names as
 * admins, the latest GroupInfo, and the one direct group of a pair of identities. Every write is one transaction;
 * a refusal leaves nothing behind.
 */
public interface GroupLog {

    /** One installation of one agent. */
    record Installation(String agent, String installation) {}

    /** A group to register, routed to its creator's installation. */
    record NewGroup(String group, long epoch, Installation creator, Set<String> admins, String directWith,
                    byte[] groupInfo) {}

    /**
     * A commit for {@code epoch} from {@code sender}: routing changes, the Welcome for the added installations, and
     * the new epoch's GroupInfo and admins (null when none was uploaded).
     */
    record Commit(String group, Installation sender, long epoch, byte[] commit, boolean external,
                  List<Installation> add, List<Installation> remove, byte[] welcome, byte[] groupInfo,
                  Set<String> adminsAfter) {}

    /** Judges an external commit by the GroupInfo the hub holds, inside the commit's transaction. */
    @FunctionalInterface
    interface ResyncCheck {
        /** Throws why the commit is refused. */
        void check(byte[] storedGroupInfo) throws Exception;
    }

    sealed interface Creation permits Created, GroupExists, DirectExists {}

    sealed interface CommitOutcome
            permits Committed, NotMember, NoGroupInfo, ResyncRefused, NotAdmin, PolicyChangeRefused, EpochConflict {}

    sealed interface Append permits Appended, NotMember, StaleEpoch {}

    sealed interface Departure permits Left, NotMember {}

    sealed interface GroupInfoRead permits GroupInfo, NotMember, NoGroupInfo {}

    record Created() implements Creation {}

    record GroupExists() implements Creation, Database.Refusal {}

    /** The pair already has its direct group. */
    record DirectExists() implements Creation, Database.Refusal {}

    /** Accepted at {@code seq}; {@code routed} are the installations to tell. */
    record Committed(long seq, Set<Installation> routed) implements CommitOutcome {}

    record Appended(long seq, Set<Installation> routed) implements Append {}

    record Left(Set<Installation> routed) implements Departure {}

    /** The latest GroupInfo (of {@code epoch}) of a group now at {@code groupEpoch}. */
    record GroupInfo(long groupEpoch, long epoch, byte[] body) implements GroupInfoRead {}

    /** The installation is not (or no longer) routed the group, or there is no such group. */
    record NotMember() implements CommitOutcome, Append, Departure, GroupInfoRead, Database.Refusal {}

    record NoGroupInfo() implements CommitOutcome, GroupInfoRead, Database.Refusal {}

    /** The external commit failed its {@link ResyncCheck}; {@code why} is what the check threw. */
    record ResyncRefused(Exception why) implements CommitOutcome, Database.Refusal {}

    /** Only an admin may add or remove installations. */
    record NotAdmin() implements CommitOutcome, Database.Refusal {}

    /** The commit would change the admins, which only an admin's (not external) commit may do. */
    record PolicyChangeRefused(boolean external) implements CommitOutcome, Database.Refusal {}

    /** A commit for this epoch was already accepted; the group is at {@code current}. */
    record EpochConflict(long current) implements CommitOutcome, Database.Refusal {}

    /** The message is not for the group's current epoch {@code current}. */
    record StaleEpoch(long current) implements Append, Database.Refusal {}

    Creation create(NewGroup group, long nowMs) throws SQLException;

    /** The direct group of two identities, if registered. */
    Optional<String> direct(String agent, String other) throws SQLException;

    /**
     * Appends a commit as the one for its epoch, with its Welcomes (one per added installation), the routing
     * changes, the new GroupInfo (or none: an older one would send rejoining members into a stale epoch) and, when
     * the policy changed, the new admins. The admins in force before the commit decide, as in every member's client.
     */
    CommitOutcome commit(Commit commit, ResyncCheck resync, long nowMs) throws SQLException;

    /** Appends an application message of the group's current epoch. */
    Append append(String group, Installation sender, long epoch, byte[] message, long nowMs) throws SQLException;

    /** Stops routing the group to {@code member} after telling the others it left. */
    Departure leave(String group, Installation member, long nowMs) throws SQLException;

    /** The latest GroupInfo, for an installation the group is routed to. */
    GroupInfoRead groupInfo(String group, Installation reader) throws SQLException;
}
