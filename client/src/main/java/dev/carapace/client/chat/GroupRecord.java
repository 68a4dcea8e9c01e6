package dev.carapace.client.chat;

import dev.carapace.client.chat.ChatClient.ChatMessage;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.mls.group.Group;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One group as this installation keeps it, sealed at rest in one file ({@link GroupStore}): the MLS state (null once
 * this installation was removed or left), the inbox cursor, unread messages, the request box, installations that
 * announced they left, and the epoch at which it refused a commit the hub nevertheless ordered. Stored in the JSON
 * format ChatClient always wrote, so existing state loads.
 */
final class GroupRecord {
    final String group;
    String name;
    /** The seq of the last inbox item applied; items at or below it are skipped if delivered again. */
    long cursor;
    /** The group's MLS state; null once this installation is no longer a member. */
    Group state;
    final List<ChatMessage> unread;
    final List<ChatMessage> held;
    /** {@code agent/installation} of members who announced they left, for an admin to remove. */
    final Set<String> leavers;
    /** The epoch in which this installation refused a commit the hub ordered: never rejoin that epoch's successor. */
    Long refusedAt;
    /** The revision of the file this record was read at (see {@link SealedDocument}). */
    long rev;

    GroupRecord(String group, String name, long cursor, Group state) {
        this(group, name, cursor, state, new ArrayList<>(), new ArrayList<>(), new LinkedHashSet<>(), null, 0);
    }

    private GroupRecord(String group, String name, long cursor, Group state, List<ChatMessage> unread,
                        List<ChatMessage> held, Set<String> leavers, Long refusedAt, long rev) {
        this.group = group;
        this.name = name;
        this.cursor = cursor;
        this.state = state;
        this.unread = unread;
        this.held = held;
        this.leavers = leavers;
        this.refusedAt = refusedAt;
        this.rev = rev;
    }

    boolean removed() {
        return state == null;
    }

    /** This installation was removed, or left: the MLS state is dropped (messages already received stay). */
    void markRemoved() {
        state = null;
    }

    /** A verified Welcome made this installation a member (again): fresh state, the messages it had stay. */
    void joined(Group fresh, long seq) {
        state = fresh;
        cursor = seq;
        leavers.clear();
    }

    ObjectNode toJson() {
        ObjectNode doc = Json.object();
        doc.put("group", group);
        doc.put("name", name);
        doc.put("cursor", cursor);
        doc.put("removed", state == null);
        ArrayNode u = doc.putArray("unread");
        unread.forEach(m -> u.add(messageJson(m)));
        ArrayNode h = doc.putArray("held");
        held.forEach(m -> h.add(messageJson(m)));
        ArrayNode l = doc.putArray("leavers");
        leavers.forEach(l::add);
        if (refusedAt != null) {
            doc.put("refusedAt", refusedAt);
        }
        if (state != null) {
            doc.put("state", Bytes.b64url(state.save()));
        }
        return doc;
    }

    /** Reads a record; {@code loader} opens the MLS state when the record holds one. */
    static GroupRecord fromJson(String group, JsonNode doc, StateLoader loader) {
        boolean removed = doc.path("removed").asBoolean(false);
        Group state = doc.hasNonNull("state") && !removed ? loader.load(doc.get("state").asString()) : null;
        List<ChatMessage> unread = new ArrayList<>();
        doc.path("unread").forEach(n -> unread.add(messageFrom(n, false)));
        List<ChatMessage> held = new ArrayList<>();
        doc.path("held").forEach(n -> held.add(messageFrom(n, true)));
        Set<String> leavers = new LinkedHashSet<>();
        doc.path("leavers").forEach(n -> leavers.add(n.asString("")));
        Long refusedAt = doc.hasNonNull("refusedAt") ? doc.get("refusedAt").asLong() : null;
        return new GroupRecord(group, doc.path("name").asString(""), doc.path("cursor").asLong(0), state, unread,
                held, leavers, refusedAt, doc.path("rev").asLong(0));
    }

    @FunctionalInterface
    interface StateLoader {
        Group load(String savedState);
    }

    private static ObjectNode messageJson(ChatMessage m) {
        ObjectNode o = Json.object();
        o.put("group", m.group());
        o.put("seq", m.seq());
        o.put("sender", m.sender());
        o.put("senderInstallation", m.senderInstallation());
        o.put("text", m.text());
        o.put("ts", m.sentMs());
        return o;
    }

    private static ChatMessage messageFrom(JsonNode o, boolean request) {
        return new ChatMessage(o.path("group").asString(""), o.path("seq").asLong(), o.path("sender").asString(""),
                o.path("senderInstallation").asString(""), o.path("text").asString(""), o.path("ts").asLong(),
                request);
    }
}
