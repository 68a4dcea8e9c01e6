package dev.carapace.hub.store;

import java.sql.SQLException;
import java.util.List;

/**
 * Per-installation inboxes over the group logs: what each installation has not yet acknowledged, its cursors, the
 * senders each agent refuses (their messages and invitations are not delivered to it), and retention. An
 * installation is known once it uploaded KeyPackages or was routed a group.
 */
public interface InboxStore {

    /** One delivered item of a group's log. */
    record Item(String group, long seq, String kind, long epoch, String sender, String senderInstallation,
                byte[] body) {}

    /** Everything up to {@code seq} of {@code group} was read. */
    record Ack(String group, long seq) {}

    boolean knows(String agent, String installation) throws SQLException;

    /**
     * Up to {@code limit} items not yet acknowledged by the installation, ordered by group and position: its groups'
     * messages but its own, Welcomes addressed to it, and nothing beyond where it was removed. Application messages
     * and Welcomes from senders its agent denies are left out (their commits are not, or its group state would fall
     * behind).
     */
    List<Item> pending(String agent, String installation, int limit) throws SQLException;

    /**
     * Moves the installation's cursors forward (never back; past a group's end is clamped) and stops routing the
     * groups it was removed from once it has read up to its removal. All in one transaction.
     */
    void acknowledge(String agent, String installation, List<Ack> acks) throws SQLException;

    /** {@code agent} refuses {@code other}; a repeated denial changes nothing. */
    void deny(String agent, String other, long nowMs) throws SQLException;

    /** Lifts a denial, if any. */
    void allow(String agent, String other) throws SQLException;

    boolean denies(String agent, String other) throws SQLException;

    /** Deletes messages every routed installation acknowledged, and any created before {@code cutoffMs}. */
    void purge(long cutoffMs) throws SQLException;
}
