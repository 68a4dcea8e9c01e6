package dev.carapace.client.chat;

import dev.carapace.client.HubException;
import dev.carapace.client.chat.ChatClient.ChatMessage;
import java.io.IOException;
import java.util.Iterator;

/**
 * Whom this agent hears from: messages from an allowed sender are delivered, from a denied one dropped, from anyone
 * else held in the request box until the agent decides. Kept in the installation record and told to the hub (which
 * then stops delivering anything from a denied identity).
 */
final class Contacts {
    private final String me;
    private final Installation installation;
    private final GroupStore groups;
    private final MessagingClient hub;

    Contacts(String me, Installation installation, GroupStore groups, MessagingClient hub) {
        this.me = me;
        this.installation = installation;
        this.groups = groups;
        this.hub = hub;
    }

    boolean allowed(String agent) {
        return agent.equals(me) || installation.allow.contains(agent);
    }

    boolean denied(String agent) {
        return installation.deny.contains(agent);
    }

    /** Allows locally only (e.g. an agent this one invites). */
    void allowLocally(String agent) throws IOException {
        installation.deny.removeIf(agent::equals);
        if (!allowed(agent)) {
            installation.allow.add(agent);
        }
        installation.save();
    }

    /** Allows an identity: its held messages move to the unread ones, and the hub lifts any denial. */
    void allow(String agent) throws IOException, HubException {
        allowLocally(agent);
        hub.allow(agent);
        for (GroupRecord r : groups.all()) {
            boolean moved = false;
            for (Iterator<ChatMessage> it = r.held.iterator(); it.hasNext(); ) {
                ChatMessage m = it.next();
                if (m.sender().equals(agent)) {
                    r.unread.add(new ChatMessage(m.group(), m.seq(), m.sender(), m.senderInstallation(), m.text(),
                            m.sentMs(), false));
                    it.remove();
                    moved = true;
                }
            }
            if (moved) {
                groups.save(r);
            }
        }
    }

    /** Denies an identity: its held messages are dropped, and the hub stops delivering anything from it here. */
    void deny(String agent) throws IOException, HubException {
        if (agent.equals(me)) {
            throw new IllegalArgumentException("an agent cannot deny itself");
        }
        installation.allow.removeIf(agent::equals);
        if (!denied(agent)) {
            installation.deny.add(agent);
        }
        installation.save();
        hub.deny(agent);
        for (GroupRecord r : groups.all()) {
            if (r.held.removeIf(m -> m.sender().equals(agent))) {
                groups.save(r);
            }
        }
    }
}
