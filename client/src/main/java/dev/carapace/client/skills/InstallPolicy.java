package dev.carapace.client.skills;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.ManifestException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * An unattended installer's rules, read from a JSON policy file ({@code requireAudits}, {@code maxPermissions},
 * {@code allowConfusable}; docs/skills.md): what it consents to without a person. Deny by default: a missing
 * {@code maxPermissions} allows no permission at all, and an unknown field makes the whole file invalid.
 */
public record InstallPolicy(int auditCount, Set<String> auditors, String filesystem, Set<String> network,
                            Set<String> secrets, boolean allowConfusable) {

    public InstallPolicy {
        auditors = Set.copyOf(auditors);
        network = Set.copyOf(network);
        secrets = Set.copyOf(secrets);
    }

    /** A policy file that is not valid; the message names the field. */
    public static final class InvalidPolicyException extends Exception {
        public InvalidPolicyException(String message) {
            super(message);
        }
    }

    public static InstallPolicy parse(byte[] json) throws InvalidPolicyException {
        try {
            JsonNode n = Json.parse(json);
            Json.onlyFields(n, "policy", "requireAudits", "maxPermissions", "allowConfusable");
            int count = 0;
            Set<String> auditors = new HashSet<>();
            JsonNode ra = n.get("requireAudits");
            if (ra != null) {
                Json.onlyFields(ra, "requireAudits", "count", "auditors");
                long c = Json.integer(ra, "count");
                if (c < 0 || c > 100) {
                    throw new InvalidPolicyException("requireAudits.count must be 0..100");
                }
                count = (int) c;
                auditors = strings(ra.get("auditors"), "requireAudits.auditors");
                if (auditors.size() < count) {
                    throw new InvalidPolicyException("requireAudits.count is larger than the auditors listed");
                }
            }
            String fs = "none";
            Set<String> net = Set.of();
            Set<String> sec = Set.of();
            JsonNode mp = n.get("maxPermissions");
            if (mp != null) {
                Json.onlyFields(mp, "maxPermissions", "filesystem", "network", "secrets");
                if (mp.has("filesystem")) {
                    fs = Json.text(mp, "filesystem");
                    if (!Set.of("none", "read", "read-write").contains(fs)) {
                        throw new InvalidPolicyException("maxPermissions.filesystem must be none, read or read-write");
                    }
                }
                net = new HashSet<>();
                if (mp.has("network")) {
                    // Read as manifests read it ("host" means port 443, IPv6 in brackets), so both compare equal
                    for (String h : strings(mp.get("network"), "maxPermissions.network")) {
                        try {
                            net.add(Manifest.netGrant(h).toString());
                        } catch (ManifestException e) {
                            throw new InvalidPolicyException("maxPermissions.network: " + e.getMessage());
                        }
                    }
                }
                sec = mp.has("secrets") ? strings(mp.get("secrets"), "maxPermissions.secrets") : Set.of();
            }
            JsonNode ac = n.get("allowConfusable");
            if (ac != null && !ac.isBoolean()) {
                throw new InvalidPolicyException("allowConfusable must be true or false");
            }
            return new InstallPolicy(count, auditors, fs, net, sec, ac != null && ac.booleanValue());
        } catch (CryptoException e) {
            throw new InvalidPolicyException(e.getMessage());
        }
    }

    private static Set<String> strings(JsonNode arr, String field) throws InvalidPolicyException {
        if (arr == null || !arr.isArray()) {
            throw new InvalidPolicyException(field + " must be a list of strings");
        }
        Set<String> out = new HashSet<>();
        for (JsonNode s : arr) {
            if (!s.isString() || s.asString().isEmpty()) {
                throw new InvalidPolicyException(field + " must be a list of non-empty strings");
            }
            out.add(s.asString());
        }
        return out;
    }

    /**
     * The reasons this policy refuses to grant {@code m}'s permissions to a skill with passing audits by
     * {@code passingAuditors}; empty when it consents. Environment variables are not limited here: their values are
     * whatever the one who runs the skill passes.
     */
    public List<String> refusals(Manifest m, Set<String> passingAuditors, boolean confusable) {
        List<String> out = new ArrayList<>();
        for (Manifest.FsGrant g : m.permissions().filesystem()) {
            boolean ok = filesystem.equals("read-write")
                    || filesystem.equals("read") && g.access() == Manifest.Access.READ;
            if (!ok) {
                out.add("filesystem " + g.access().text() + " " + g.path() + " exceeds maxPermissions.filesystem="
                        + filesystem);
            }
        }
        m.permissions().network().stream().filter(h -> !network.contains(h.toString()))
                .forEach(h -> out.add("network " + h + " is not in maxPermissions.network"));
        m.permissions().secrets().stream().filter(s -> !secrets.contains(s))
                .forEach(s -> out.add("secret " + s + " is not in maxPermissions.secrets"));
        long by = passingAuditors.stream().filter(auditors::contains).count();
        if (by < auditCount) {
            out.add("needs " + auditCount + " passing audit(s) from the listed auditors, has " + by);
        }
        if (confusable && !allowConfusable) {
            out.add("the name is confusable with another skill and allowConfusable is not set");
        }
        return out;
    }
}
