package dev.carapace.crypto;

import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Who administers an MLS group: the data of the group policy extension that the members' clients carry in the
 * GroupContext, the RFC 8785 form of {@code {"v": 1, "admins": [agent ids]}}. The one reader of that data, used by
 * the clients (which enforce the policy on every commit) and by the hub (which reads it from the GroupInfo uploaded
 * with each commit to decide who may change a group's routing), so both decide from the same bytes the same way.
 */
public final class GroupAdmins {
    /** The extension type, from the private-use range of the MLS extension types registry (RFC 9420 §17.3). */
    public static final int EXTENSION_TYPE = 0xF0CA;

    private GroupAdmins() {}

    /** The extension data naming these agents as admins. */
    public static byte[] encode(Set<String> admins) {
        ObjectNode o = Json.object();
        o.put("v", 1);
        var arr = o.putArray("admins");
        new TreeSet<>(admins).forEach(arr::add);
        try {
            return CanonicalJson.encode(o);
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The admins this extension data names; fails closed (no admins) when it is malformed. */
    public static Set<String> decode(byte[] data) {
        try {
            JsonNode o = Json.parse(data);
            Json.onlyFields(o, "group policy", "v", "admins");
            if (o.path("v").asInt() != 1 || !o.path("admins").isArray()) {
                return Set.of();
            }
            Set<String> admins = new TreeSet<>();
            for (JsonNode a : o.get("admins")) {
                admins.add(AgentId.parse(a.asString("")).toString());
            }
            return Set.copyOf(admins);
        } catch (CryptoException | RuntimeException e) {
            return Set.of();
        }
    }
}
