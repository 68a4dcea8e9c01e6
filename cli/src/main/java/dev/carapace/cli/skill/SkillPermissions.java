package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
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
 * What a skill's manifest grants, in words a person can judge; the difference between two manifests; and the policy
 * file that lets an unattended agent consent (or refuse) without a person.
 */
final class SkillPermissions {
    private SkillPermissions() {}

    static Manifest parse(byte[] manifestJson) {
        try {
            return Manifest.parse(manifestJson);
        } catch (ManifestException e) {
            throw CliException.verification("the skill's manifest is not acceptable: " + e.getMessage());
        }
    }

    /** One line per grant; "nothing" is said explicitly so an empty list is never mistaken for a failure. */
    static List<String> describe(Manifest.Permissions p) {
        List<String> out = new ArrayList<>();
        for (Manifest.FsGrant g : p.filesystem()) {
            out.add((g.access() == Manifest.Access.READ_WRITE ? "read and WRITE files in " : "read files in ")
                    + g.path() + " (a host folder you bind with --dir " + g.path() + "=FOLDER)");
        }
        for (Manifest.NetGrant n : p.network()) {
            out.add("connect to " + n + " over HTTP(S)");
        }
        for (String s : p.secrets()) {
            out.add("read the secret " + s + " (only if you pass it with --secret)");
        }
        for (String v : p.env()) {
            out.add("receive the environment variable " + v + " (only if you pass it with --env)");
        }
        if (out.isEmpty()) {
            out.add("nothing: no files, no network, no secrets, no environment variables");
        }
        return out;
    }

    static String prompt(String title, Manifest m) {
        StringBuilder b = new StringBuilder(title).append('\n').append("It may:\n");
        describe(m.permissions()).forEach(l -> b.append("  - ").append(l).append('\n'));
        Manifest.Limits l = m.limits();
        b.append("Limits: memory ").append(l.memoryPages() * 64).append(" KiB, wall ").append(l.wallMs())
                .append(" ms, CPU ").append(l.cpuMs()).append(" ms")
                .append(m.permissions().network().isEmpty() ? "" : ", " + l.httpRequests() + " HTTP requests").append('\n');
        return b.toString();
    }

    /**
     * Grants in {@code after} that {@code before} did not give: new folders, read turned write, hosts, secrets,
     * environment variables.
     */
    static List<String> widened(Manifest.Permissions before, Manifest.Permissions after) {
        List<String> out = new ArrayList<>();
        for (Manifest.FsGrant g : after.filesystem()) {
            Manifest.FsGrant old = before.filesystem().stream().filter(o -> o.path().equals(g.path())).findFirst().orElse(null);
            if (old == null) {
                out.add("+ " + g.access().text() + " " + g.path());
            } else if (old.access() == Manifest.Access.READ && g.access() == Manifest.Access.READ_WRITE) {
                out.add("~ " + g.path() + ": read -> read-write");
            }
        }
        Set<String> hosts = new HashSet<>();
        before.network().forEach(n -> hosts.add(n.toString()));
        after.network().stream().filter(n -> !hosts.contains(n.toString())).forEach(n -> out.add("+ network " + n));
        after.secrets().stream().filter(s -> !before.secrets().contains(s)).forEach(s -> out.add("+ secret " + s));
        after.env().stream().filter(v -> !before.env().contains(v)).forEach(v -> out.add("+ env " + v));
        return out;
    }

    /** An unattended installer's rules. Missing {@code maxPermissions} allows no permission at all. */
    record Policy(int auditCount, Set<String> auditors, String filesystem, Set<String> network, Set<String> secrets,
                  boolean allowConfusable) {

        static Policy parse(byte[] json, String where) {
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
                        throw new CryptoException("requireAudits.count must be 0..100");
                    }
                    count = (int) c;
                    auditors = strings(ra.get("auditors"), "requireAudits.auditors");
                    if (auditors.size() < count) {
                        throw new CryptoException("requireAudits.count is larger than the auditors listed");
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
                            throw new CryptoException("maxPermissions.filesystem must be none, read or read-write");
                        }
                    }
                    net = new HashSet<>();
                    if (mp.has("network")) {
                        // Read as manifests read it ("host" means port 443, IPv6 in brackets), so both compare equal
                        for (String h : strings(mp.get("network"), "maxPermissions.network")) {
                            try {
                                net.add(Manifest.netGrant(h).toString());
                            } catch (ManifestException e) {
                                throw new CryptoException("maxPermissions.network: " + e.getMessage());
                            }
                        }
                    }
                    sec = mp.has("secrets") ? strings(mp.get("secrets"), "maxPermissions.secrets") : Set.of();
                }
                JsonNode ac = n.get("allowConfusable");
                if (ac != null && !ac.isBoolean()) {
                    throw new CryptoException("allowConfusable must be true or false");
                }
                return new Policy(count, auditors, fs, net, sec, ac != null && ac.booleanValue());
            } catch (CryptoException e) {
                throw CliException.config("policy " + where + ": " + e.getMessage());
            }
        }

        private static Set<String> strings(JsonNode arr, String field) throws CryptoException {
            if (arr == null || !arr.isArray()) {
                throw new CryptoException(field + " must be a list of strings");
            }
            Set<String> out = new HashSet<>();
            for (JsonNode s : arr) {
                if (!s.isString() || s.asString().isEmpty()) {
                    throw new CryptoException(field + " must be a list of non-empty strings");
                }
                out.add(s.asString());
            }
            return out;
        }

        /** The reasons this policy refuses; empty when it consents. */
        List<String> refusals(Manifest m, List<String[]> passingAudits, boolean confusable) {
            List<String> out = new ArrayList<>();
            for (Manifest.FsGrant g : m.permissions().filesystem()) {
                boolean ok = filesystem.equals("read-write") || filesystem.equals("read") && g.access() == Manifest.Access.READ;
                if (!ok) {
                    out.add("filesystem " + g.access().text() + " " + g.path() + " exceeds maxPermissions.filesystem=" + filesystem);
                }
            }
            m.permissions().network().stream().filter(h -> !network.contains(h.toString()))
                    .forEach(h -> out.add("network " + h + " is not in maxPermissions.network"));
            m.permissions().secrets().stream().filter(s -> !secrets.contains(s))
                    .forEach(s -> out.add("secret " + s + " is not in maxPermissions.secrets"));
            Set<String> by = new HashSet<>();
            for (String[] a : passingAudits) {
                if (auditors.contains(a[0])) {
                    by.add(a[0]);
                }
            }
            if (by.size() < auditCount) {
                out.add("needs " + auditCount + " passing audit(s) from the listed auditors, has " + by.size());
            }
            if (confusable && !allowConfusable) {
                out.add("the name is confusable with another skill and allowConfusable is not set");
            }
            return out;
        }
    }
}
