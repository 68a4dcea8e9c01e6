package dev.carapace.client.chat;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.protocol.ErrorReason;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The hub's messaging routes (docs/api.md, "Messaging") as typed calls with typed results: the only place in
 * {@code client.chat} that builds a path or reads the hub's JSON. Every request is signed by the agent's current key.
 * An answer that lacks what the protocol promises is a {@link HubException} with reason {@code bad_response}; what
 * the answers carry (KeyPackages, commits, GroupInfos) is checked by the callers, never trusted.
 */
final class MessagingClient {
    private final HubClient hub;
    private final Supplier<Signer> signer;

    MessagingClient(HubClient hub, Supplier<Signer> signer) {
        this.hub = hub;
        this.signer = signer;
    }

    URI base() {
        return hub.base();
    }

    /** The verified identity document of {@code agent}. */
    KeyEventLog identity(String agent) throws IOException, HubException {
        return hub.identity(agent);
    }

    // --- KeyPackages -------------------------------------------------------------------------------------------------

    /** How many one-time KeyPackages the hub holds for an installation, and whether it holds a last-resort one. */
    record Supply(int available, boolean lastResort) {}

    /** The hub's supply of this installation's KeyPackages; none for an installation the hub does not know yet. */
    Supply keyPackageSupply(String installation) throws IOException, HubException {
        try {
            JsonNode r = send("GET", "/v1/key-packages/" + installation, null);
            return new Supply(Math.max(0, r.path("available").asInt(0)), r.path("lastResort").asBoolean(false));
        } catch (HubException e) {
            if (e.error() != ErrorReason.NOT_FOUND) {
                throw e;
            }
            return new Supply(0, false);
        }
    }

    /** Uploads one-time KeyPackages and, unless {@code null}, a last-resort one that replaces the previous. */
    void uploadKeyPackages(String installation, List<KeyPackage> oneTime, KeyPackage lastResort)
            throws IOException, HubException {
        ObjectNode body = Json.object();
        body.put("installation", installation);
        ArrayNode kps = body.putArray("keyPackages");
        oneTime.forEach(kp -> kps.add(Bytes.b64(kp.encode())));
        if (lastResort != null) {
            body.put("lastResort", Bytes.b64(lastResort.encode()));
        }
        send("POST", "/v1/key-packages", body);
    }

    /** A KeyPackage the hub handed out, with the installation the hub says it belongs to (to be checked). */
    record Claimed(String installation, KeyPackage keyPackage) {}

    /** Claims one KeyPackage of each installation of {@code agent}. Undecodable ones are refused here. */
    List<Claimed> claimKeyPackages(String agent) throws IOException, HubException {
        JsonNode r = send("POST", "/v1/agents/" + agent + "/key-packages/claim", Json.object());
        List<Claimed> out = new ArrayList<>();
        for (JsonNode e : r.path("keyPackages")) {
            byte[] b = base64(e.path("keyPackage"), "keyPackage");
            KeyPackage kp;
            try {
                TlsReader reader = new TlsReader(b);
                kp = KeyPackage.decode(reader);
                reader.requireFullyConsumed();
            } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException ex) {
                throw new MlsException("the hub returned something that is not a KeyPackage: " + ex.getMessage());
            }
            out.add(new Claimed(e.path("installation").asString(""), kp));
        }
        return out;
    }

    // --- groups ------------------------------------------------------------------------------------------------------

    /** The direct group the hub registered for the caller and {@code peer}, if any. */
    Optional<String> directGroup(String peer) throws IOException, HubException {
        try {
            return Optional.of(text(send("GET", "/v1/direct/" + peer, null), "group"));
        } catch (HubException e) {
            if (e.error() != ErrorReason.NOT_FOUND) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /** Registers a new group (a direct one when {@code directPeer} is not null) with its first GroupInfo. */
    void createGroup(String group, String installation, long epoch, MlsMessage groupInfo, String directPeer)
            throws IOException, HubException {
        ObjectNode body = Json.object();
        body.put("group", group);
        body.put("installation", installation);
        body.put("epoch", epoch);
        body.put("groupInfo", Bytes.b64(groupInfo.encode()));
        if (directPeer != null) {
            body.put("direct", directPeer);
        }
        send("POST", "/v1/groups", body);
    }

    /** Who the hub routes a group's traffic to (or stops routing to). */
    record Routing(String agent, String installation) {}

    /**
     * A commit for {@code epoch}, with the next epoch's GroupInfo, the Welcome for those it adds (or null), and the
     * routing changes it makes.
     */
    record Commit(String installation, long epoch, MlsMessage commit, MlsMessage groupInfo, MlsMessage welcome,
                  List<Routing> add, List<Routing> remove) {}

    /** Submits a commit; answers its seq in the group. {@code 409 epoch_conflict}: another commit came first. */
    long submitCommit(String group, Commit c) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.put("installation", c.installation());
        body.put("epoch", c.epoch());
        body.put("commit", Bytes.b64(c.commit().encode()));
        body.put("groupInfo", Bytes.b64(c.groupInfo().encode()));
        if (c.welcome() != null) {
            body.put("welcome", Bytes.b64(c.welcome().encode()));
        }
        ArrayNode add = body.putArray("add");
        c.add().forEach(e -> add.addObject().put("agent", e.agent()).put("installation", e.installation()));
        ArrayNode remove = body.putArray("remove");
        c.remove().forEach(e -> remove.addObject().put("agent", e.agent()).put("installation", e.installation()));
        return seq(send("POST", "/v1/groups/" + group + "/commits", body));
    }

    /** Sends an application message; answers its seq. {@code 409 stale_epoch}: the group moved on. */
    long sendMessage(String group, String installation, MlsMessage message) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.put("installation", installation);
        body.put("message", Bytes.b64(message.encode()));
        return seq(send("POST", "/v1/groups/" + group + "/messages", body));
    }

    /** Leaves: the hub stops routing the group to this installation and tells the members. */
    void leave(String group, String installation) throws IOException, HubException {
        ObjectNode body = Json.object();
        body.put("installation", installation);
        send("POST", "/v1/groups/" + group + "/leave", body);
    }

    /**
     * The latest GroupInfo the hub holds for a group, and the group's epoch by the hub's count (the GroupInfo's own
     * epoch when the hub does not say).
     */
    record LatestGroupInfo(MlsMessage groupInfo, long groupEpoch) {}

    LatestGroupInfo groupInfo(String group, String installation) throws IOException, HubException {
        JsonNode r = send("GET", "/v1/groups/" + group + "/group-info/" + installation, null);
        MlsMessage gi;
        try {
            gi = MlsMessage.decode(base64(r.path("groupInfo"), "groupInfo"));
        } catch (MlsException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new MlsException("the hub's GroupInfo is not an MLS message: " + e.getMessage());
        }
        if (gi.wireFormat() != MlsMessage.GROUP_INFO) {
            throw new MlsException("the hub's GroupInfo is not a GroupInfo");
        }
        long own = gi.groupInfo().groupContext().epoch();
        return new LatestGroupInfo(gi, r.path("groupEpoch").asLong(own));
    }

    // --- the inbox ---------------------------------------------------------------------------------------------------

    /**
     * One item of the inbox, as the hub says it is: {@code body} is null when it is not base64 (the item is then
     * refused, not the page).
     */
    record InboxItem(String group, long seq, String kind, long epoch, String sender, String senderInstallation,
                     byte[] body) {}

    /** Up to a page of unacknowledged items, in the hub's order per group. */
    List<InboxItem> inbox(String installation) throws IOException, HubException {
        JsonNode r = send("GET", "/v1/inbox/" + installation, null);
        List<InboxItem> out = new ArrayList<>();
        for (JsonNode item : r.path("items")) {
            byte[] body;
            try {
                body = Bytes.fromB64(item.path("body").asString(""));
            } catch (CryptoException e) {
                body = null;
            }
            out.add(new InboxItem(item.path("group").asString(""), item.path("seq").asLong(),
                    item.path("kind").asString(""), item.path("epoch").asLong(), item.path("sender").asString(""),
                    item.path("senderInstallation").asString(""), body));
        }
        return out;
    }

    /** Acknowledges everything up to each seq in each group. */
    void ack(String installation, Map<String, Long> upTo) throws IOException, HubException {
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("acks");
        upTo.forEach((g, s) -> list.addObject().put("group", g).put("seq", s));
        send("POST", "/v1/inbox/" + installation + "/ack", body);
    }

    /** Waits (long poll, up to 25 s) until the inbox holds something. */
    void awaitInbox(String installation) throws IOException, HubException {
        send("GET", "/v1/inbox/" + installation + "/wait", null);
    }

    /** A single-use ticket for the push WebSocket at {@code path}. */
    record PushTicket(String path, String ticket) {}

    PushTicket pushTicket(String installation) throws IOException, HubException {
        JsonNode t = send("POST", "/v1/inbox/" + installation + "/push-ticket", Json.object());
        String path = text(t, "path");
        if (!path.startsWith("/")) {
            throw new HubException(200, "bad_response", "the push path is not a path on this hub: " + path);
        }
        return new PushTicket(path, text(t, "ticket"));
    }

    // --- contacts ----------------------------------------------------------------------------------------------------

    void allow(String agent) throws IOException, HubException {
        send("POST", "/v1/contacts/allow", Json.object().put("agent", agent));
    }

    void deny(String agent) throws IOException, HubException {
        send("POST", "/v1/contacts/deny", Json.object().put("agent", agent));
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    private JsonNode send(String method, String path, JsonNode body) throws IOException, HubException {
        return hub.send(method, path, body, signer.get());
    }

    private static long seq(JsonNode answer) throws HubException {
        JsonNode s = answer.path("seq");
        if (!s.isIntegralNumber() || !s.canConvertToLong() || s.asLong() < 0) {
            throw new HubException(200, "bad_response", "the hub accepted it but answered no seq");
        }
        return s.asLong();
    }

    private static String text(JsonNode answer, String field) throws HubException {
        String v = answer.path(field).asString("");
        if (v.isEmpty()) {
            throw new HubException(200, "bad_response", "the hub's answer lacks " + field);
        }
        return v;
    }

    private static byte[] base64(JsonNode n, String what) {
        try {
            return Bytes.fromB64(n.asString(""));
        } catch (CryptoException e) {
            throw new IllegalArgumentException(what + " is not base64");
        }
    }
}
