package dev.carapace.skills;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * What a skill declares it needs. Parsing is strict: an unknown field anywhere is an error naming that field, and a
 * missing permission means the capability is denied.
 */
public record Manifest(String name, String version, String description, Map<String, Entrypoint> entrypoints,
        Permissions permissions, Limits limits) {

    public Manifest {
        entrypoints = Map.copyOf(entrypoints);
    }

    /** The function a named entrypoint runs: an export of the module taking no arguments and returning nothing. */
    public record Entrypoint(String export) {}

    public enum Access {
        READ("read"), READ_WRITE("read-write");

        private final String text;

        Access(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** A guest directory the skill may use; the host folder behind it is chosen by whoever runs the skill. */
    public record FsGrant(String path, Access access) {}

    /** A host and port the skill may reach over HTTP(S). */
    public record NetGrant(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * What the skill may use. {@code env} names the environment variables it reads; whoever runs it gives their values
     * (and may leave any out); an undeclared one is refused.
     */
    public record Permissions(List<FsGrant> filesystem, List<NetGrant> network, List<String> secrets,
            List<String> env) {
        public Permissions {
            filesystem = List.copyOf(filesystem);
            network = List.copyOf(network);
            secrets = List.copyOf(secrets);
            env = List.copyOf(env);
        }

        public static Permissions none() {
            return new Permissions(List.of(), List.of(), List.of(), List.of());
        }
    }

    /**
     * Resource budgets. memoryPages caps linear memory (64 KiB pages); wallMs and cpuMs bound the run; outputBytes
     * bounds stdout and stderr each; httpRequests and httpResponseBytes bound the carapace.http_get host call;
     * fsWriteBytes bounds what the skill may add to read-write grants in one run; auditRecords bounds the audit records
     * one run may cause (every open, close and denial is one), so that no run turns into a disk-filling loop.
     */
    public record Limits(int memoryPages, long wallMs, long cpuMs, long outputBytes, int httpRequests,
            long httpResponseBytes, long fsWriteBytes, int auditRecords) {
        public static final int DEFAULT_MEMORY_PAGES = 16;
        public static final long DEFAULT_WALL_MS = 2_000;
        public static final long DEFAULT_CPU_MS = 2_000;
        public static final long DEFAULT_OUTPUT_BYTES = 64 * 1024;
        public static final int DEFAULT_HTTP_REQUESTS = 8;
        public static final long DEFAULT_HTTP_RESPONSE_BYTES = 1024 * 1024;
        public static final long DEFAULT_FS_WRITE_BYTES = 16L * 1024 * 1024;
        public static final int DEFAULT_AUDIT_RECORDS = 10_000;

        public static final int MAX_MEMORY_PAGES = 4_096; // 256 MiB
        public static final long MAX_WALL_MS = 300_000;
        public static final long MAX_CPU_MS = 300_000;
        public static final long MAX_OUTPUT_BYTES = 16L * 1024 * 1024;
        public static final int MAX_HTTP_REQUESTS = 1_000;
        public static final long MAX_HTTP_RESPONSE_BYTES = 64L * 1024 * 1024;
        public static final long MAX_FS_WRITE_BYTES = 1024L * 1024 * 1024;
        public static final int MAX_AUDIT_RECORDS = 1_000_000;

        public static Limits defaults() {
            return new Limits(DEFAULT_MEMORY_PAGES, DEFAULT_WALL_MS, DEFAULT_CPU_MS, DEFAULT_OUTPUT_BYTES,
                    DEFAULT_HTTP_REQUESTS, DEFAULT_HTTP_RESPONSE_BYTES, DEFAULT_FS_WRITE_BYTES, DEFAULT_AUDIT_RECORDS);
        }
    }

    public static final int MAX_MANIFEST_BYTES = 64 * 1024;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,38}/[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern VERSION = Pattern.compile(
            "(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z.-]{1,64})?");
    private static final Pattern ENTRY_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
    private static final Pattern EXPORT = Pattern.compile("[A-Za-z_][A-Za-z0-9_.$-]{0,127}");
    private static final Pattern SECRET = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");
    private static final Pattern ENV = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
            + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern GUEST_SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,255}");

    /** Whether {@code host} is a dotted IPv4 literal (four decimal octets, no leading zeros), as grants write them. */
    public static boolean isIpv4Literal(String host) {
        return IPV4.matcher(host).matches();
    }

    /** This manifest with every permission taken away: how an unsigned skill runs (quarantined). */
    public Manifest withoutPermissions() {
        return new Manifest(name, version, description, entrypoints, Permissions.none(), limits);
    }

    /**
     * Semantic-version order of two versions this parser accepted: numeric MAJOR.MINOR.PATCH, and a pre-release sorts
     * before its release.
     */
    public static int compareVersions(String a, String b) {
        String[] pa = a.split("-", 2);
        String[] pb = b.split("-", 2);
        String[] na = pa[0].split("\\.");
        String[] nb = pb[0].split("\\.");
        for (int i = 0; i < 3; i++) {
            int c = Long.compare(Long.parseLong(na[i]), Long.parseLong(nb[i]));
            if (c != 0) {
                return c;
            }
        }
        if (pa.length != pb.length) {
            return pa.length == 1 ? 1 : -1;
        }
        return pa.length == 1 ? 0 : pa[1].compareTo(pb[1]);
    }

    public Entrypoint entrypoint(String name) throws ManifestException {
        Entrypoint e = entrypoints.get(name);
        if (e == null) {
            throw new ManifestException("the manifest declares no entrypoint '" + name + "'");
        }
        return e;
    }

    public static Manifest parse(String json) throws ManifestException {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    public static Manifest parse(byte[] json) throws ManifestException {
        if (json.length > MAX_MANIFEST_BYTES) {
            throw new ManifestException("manifest is larger than " + MAX_MANIFEST_BYTES + " bytes");
        }
        try {
            JsonNode root = Json.parseObject(json);
            Json.onlyFields(root, "manifest", "name", "version", "description", "entrypoints", "permissions",
                    "limits");
            String name = Json.text(root, "name");
            if (!NAME.matcher(name).matches()) {
                throw new ManifestException("field 'name' must look like owner/skill (lower case), got '"
                        + clip(name) + "'");
            }
            String version = Json.text(root, "version");
            if (!VERSION.matcher(version).matches()) {
                throw new ManifestException("field 'version' must be MAJOR.MINOR.PATCH, got '" + clip(version) + "'");
            }
            String description = "";
            if (root.has("description")) {
                description = Json.text(root, "description");
                if (description.length() > 1024) {
                    throw new ManifestException("field 'description' is longer than 1024 characters");
                }
            }
            Map<String, Entrypoint> entrypoints = entrypoints(root.get("entrypoints"));
            Permissions permissions = root.has("permissions") ? permissions(root.get("permissions"))
                    : Permissions.none();
            Limits limits = root.has("limits") ? limits(root.get("limits")) : Limits.defaults();
            return new Manifest(name, version, description, entrypoints, permissions, limits);
        } catch (CryptoException e) {
            throw new ManifestException(e.getMessage());
        }
    }

    private static Map<String, Entrypoint> entrypoints(JsonNode node) throws ManifestException, CryptoException {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new ManifestException("field 'entrypoints' must be an object with at least one entrypoint");
        }
        Map<String, Entrypoint> out = new LinkedHashMap<>();
        for (String key : node.propertyNames()) {
            if (!ENTRY_NAME.matcher(key).matches()) {
                throw new ManifestException("entrypoint name '" + clip(key) + "' is not allowed");
            }
            JsonNode e = node.get(key);
            if (!e.isObject()) {
                throw new ManifestException("entrypoints." + key + " must be an object");
            }
            Json.onlyFields(e, "entrypoints." + key, "export");
            String export = Json.text(e, "export");
            if (!EXPORT.matcher(export).matches()) {
                throw new ManifestException("entrypoints." + key + ".export is not a valid export name");
            }
            out.put(key, new Entrypoint(export));
        }
        return out;
    }

    private static Permissions permissions(JsonNode node) throws ManifestException, CryptoException {
        if (!node.isObject()) {
            throw new ManifestException("field 'permissions' must be an object");
        }
        Json.onlyFields(node, "permissions", "filesystem", "network", "secrets", "env");
        List<FsGrant> fs = new ArrayList<>();
        for (JsonNode g : array(node, "filesystem", "permissions.filesystem")) {
            if (!g.isObject()) {
                throw new ManifestException("permissions.filesystem entries must be objects");
            }
            Json.onlyFields(g, "permissions.filesystem[]", "path", "access");
            String path = guestPath(Json.text(g, "path"));
            String access = Json.text(g, "access");
            Access a = switch (access) {
                case "read" -> Access.READ;
                case "read-write" -> Access.READ_WRITE;
                default -> throw new ManifestException("permissions.filesystem access must be 'read' or"
                        + " 'read-write', got '" + clip(access) + "'");
            };
            for (FsGrant other : fs) {
                if (nested(other.path(), path) || nested(path, other.path())) {
                    throw new ManifestException("permissions.filesystem paths overlap: " + other.path() + " and "
                            + path);
                }
            }
            fs.add(new FsGrant(path, a));
        }
        List<NetGrant> net = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode n : array(node, "network", "permissions.network")) {
            if (!n.isString()) {
                throw new ManifestException("permissions.network entries must be strings");
            }
            NetGrant g = netGrant(n.stringValue());
            if (!seen.add(g.toString())) {
                throw new ManifestException("permissions.network lists " + g + " twice");
            }
            net.add(g);
        }
        List<String> secrets = new ArrayList<>();
        for (JsonNode s : array(node, "secrets", "permissions.secrets")) {
            if (!s.isString() || !SECRET.matcher(s.stringValue()).matches()) {
                throw new ManifestException("permissions.secrets entries must be names like API_KEY");
            }
            if (secrets.contains(s.stringValue())) {
                throw new ManifestException("permissions.secrets lists " + s.stringValue() + " twice");
            }
            secrets.add(s.stringValue());
        }
        List<String> env = new ArrayList<>();
        for (JsonNode e : array(node, "env", "permissions.env")) {
            if (!e.isString() || !ENV.matcher(e.stringValue()).matches()) {
                throw new ManifestException("permissions.env entries must be variable names like LANG");
            }
            if (env.contains(e.stringValue())) {
                throw new ManifestException("permissions.env lists " + e.stringValue() + " twice");
            }
            env.add(e.stringValue());
        }
        return new Permissions(fs, net, secrets, env);
    }

    private static Limits limits(JsonNode node) throws ManifestException, CryptoException {
        if (!node.isObject()) {
            throw new ManifestException("field 'limits' must be an object");
        }
        Json.onlyFields(node, "limits", "memoryPages", "wallMs", "cpuMs", "outputBytes", "httpRequests",
                "httpResponseBytes", "fsWriteBytes", "auditRecords");
        Limits d = Limits.defaults();
        return new Limits(
                (int) bounded(node, "memoryPages", d.memoryPages(), 1, Limits.MAX_MEMORY_PAGES),
                bounded(node, "wallMs", d.wallMs(), 1, Limits.MAX_WALL_MS),
                bounded(node, "cpuMs", d.cpuMs(), 1, Limits.MAX_CPU_MS),
                bounded(node, "outputBytes", d.outputBytes(), 0, Limits.MAX_OUTPUT_BYTES),
                (int) bounded(node, "httpRequests", d.httpRequests(), 0, Limits.MAX_HTTP_REQUESTS),
                bounded(node, "httpResponseBytes", d.httpResponseBytes(), 0, Limits.MAX_HTTP_RESPONSE_BYTES),
                bounded(node, "fsWriteBytes", d.fsWriteBytes(), 0, Limits.MAX_FS_WRITE_BYTES),
                (int) bounded(node, "auditRecords", d.auditRecords(), 100, Limits.MAX_AUDIT_RECORDS));
    }

    private static long bounded(JsonNode obj, String field, long dflt, long min, long max)
            throws ManifestException, CryptoException {
        if (!obj.has(field)) {
            return dflt;
        }
        long v = Json.integer(obj, field);
        if (v < min || v > max) {
            throw new ManifestException("limits." + field + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    private static Iterable<JsonNode> array(JsonNode obj, String field, String what) throws ManifestException {
        JsonNode a = obj.get(field);
        if (a == null) {
            return List.of();
        }
        if (!a.isArray()) {
            throw new ManifestException(what + " must be an array");
        }
        if (a.size() > 64) {
            throw new ManifestException(what + " has more than 64 entries");
        }
        return a;
    }

    /**
     * A guest path: absolute, normalized, no "." or ".." segments. The guest root "/" may be granted too (many
     * toolchains preopen it): like every grant it is bound to a host folder chosen at run time, never the host's "/".
     */
    static String guestPath(String path) throws ManifestException {
        if (path.equals("/")) {
            return path;
        }
        if (!path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
            throw new ManifestException("permissions.filesystem path must be an absolute normalized directory like"
                    + " /data, got '" + clip(path) + "'");
        }
        for (String seg : path.substring(1).split("/")) {
            if (seg.equals(".") || seg.equals("..") || !GUEST_SEGMENT.matcher(seg).matches()) {
                throw new ManifestException("permissions.filesystem path '" + clip(path) + "' has a bad segment");
            }
        }
        return path;
    }

    private static boolean nested(String parent, String child) {
        return child.equals(parent) || parent.equals("/") || child.startsWith(parent + "/");
    }

    /** host[:port]; a missing port means 443. IPv6 literals go in brackets. */
    public static NetGrant netGrant(String entry) throws ManifestException {
        String host;
        String port = null;
        if (entry.startsWith("[")) {
            int end = entry.indexOf(']');
            if (end < 0) {
                throw new ManifestException("permissions.network entry '" + clip(entry) + "' is malformed");
            }
            host = entry.substring(1, end).toLowerCase(Locale.ROOT);
            String rest = entry.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new ManifestException("permissions.network entry '" + clip(entry) + "' is malformed");
                }
                port = rest.substring(1);
            }
            if (!host.matches("[0-9a-f:.]{2,45}") || !host.contains(":")) {
                throw new ManifestException("permissions.network entry '" + clip(entry) + "' is not an IPv6 literal");
            }
        } else {
            int colon = entry.lastIndexOf(':');
            host = colon < 0 ? entry : entry.substring(0, colon);
            port = colon < 0 ? null : entry.substring(colon + 1);
            if (!host.equals(host.toLowerCase(Locale.ROOT))
                    || !(DNS_NAME.matcher(host).matches() || IPV4.matcher(host).matches())) {
                throw new ManifestException("permissions.network entry '" + clip(entry)
                        + "' must be host[:port] with a lower-case DNS name or an IP literal");
            }
            if (!IPV4.matcher(host).matches() && host.matches("[0-9.]+")) {
                throw new ManifestException("permissions.network entry '" + clip(entry)
                        + "' is numeric but not a dotted IPv4 address");
            }
        }
        int p = 443;
        if (port != null) {
            if (!port.matches("[1-9][0-9]{0,4}") || Integer.parseInt(port) > 65535) {
                throw new ManifestException("permissions.network entry '" + clip(entry) + "' has a bad port");
            }
            p = Integer.parseInt(port);
        }
        return new NetGrant(host, p);
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
