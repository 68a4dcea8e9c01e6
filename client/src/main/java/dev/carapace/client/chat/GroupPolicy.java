package dev.carapace.client.chat;

import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.mls.message.Extension;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A group's roles, carried in the MLS GroupContext as a private-use extension so that every member holds the same
 * policy, authenticated by the key schedule: only admins may add or remove members or change the policy; every
 * member may refresh its own keys. The data is the RFC 8785 form of {@code {"v": 1, "admins": [agent ids]}}.
 */
public record GroupPolicy(Set<String> admins) {
    /** From the private-use range of the MLS extension types registry (RFC 9420 §17.3). */
    public static final int EXTENSION_TYPE = 0xF0CA;

    public GroupPolicy {
        admins = Set.copyOf(new TreeSet<>(admins));
    }

    public boolean isAdmin(String agentId) {
        return admins.contains(agentId);
    }

    public Extension toExtension() {
        ObjectNode o = Json.object();
        o.put("v", 1);
        var arr = o.putArray("admins");
        new TreeSet<>(admins).forEach(arr::add);
        try {
            return new Extension(EXTENSION_TYPE, CanonicalJson.encode(o));
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The policy in these GroupContext extensions; fails closed (no admins) when absent or malformed. */
    public static GroupPolicy from(List<Extension> extensions) {
        Extension e = Extension.find(extensions, EXTENSION_TYPE);
        if (e == null) {
            return new GroupPolicy(Set.of());
        }
        try {
            JsonNode o = Json.parse(e.data());
            Json.onlyFields(o, "group policy", "v", "admins");
            if (o.path("v").asInt() != 1 || !o.path("admins").isArray()) {
                return new GroupPolicy(Set.of());
            }
            Set<String> admins = new TreeSet<>();
            for (JsonNode a : o.get("admins")) {
                admins.add(AgentId.parse(a.asString("")).toString());
            }
            return new GroupPolicy(admins);
        } catch (CryptoException | RuntimeException ex) {
            return new GroupPolicy(Set.of());
        }
    }
}
