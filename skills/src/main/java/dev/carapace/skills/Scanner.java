package dev.carapace.skills;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Static scanner over a {@link SkillPackage} driven by versioned data rules. It is one signal among
 * several (signatures, audits, vouches, age), never the only gate: a hash or pattern scanner can be evaded.
 */
public final class Scanner {
    public static final String SCANNER = "carapace-scan/1";

    private Scanner() {}

    public enum Severity { WARN, FAIL }

    public record Finding(String rule, Severity severity, String entry, Long offset, String message) {}

    public record ScanReport(String verdict, List<Finding> findings, String rulesName, String rulesVersion) {
        public ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("verdict", verdict);
            ArrayNode fs = o.putArray("findings");
            for (Finding f : findings) {
                ObjectNode n = fs.addObject();
                n.put("rule", f.rule()).put("severity", f.severity().name().toLowerCase(Locale.ROOT)).put("entry", f.entry());
                if (f.offset() != null) n.put("offset", f.offset());
                n.put("message", f.message());
            }
            o.putObject("rules").put("name", rulesName).put("version", rulesVersion);
            o.put("scanner", SCANNER);
            return o;
        }
    }

    /** A loaded rule set. */
    public record Rules(String name, String version, List<Rule> rules) {
        public static Rules builtin() {
            try (InputStream in = Scanner.class.getResourceAsStream("rules/default.json")) {
                return parse(Json.MAPPER.readTree(in));
            } catch (IOException e) {
                throw new IllegalStateException("built-in rules unreadable", e);
            }
        }

        public static Rules parse(JsonNode n) {
            List<Rule> rs = new ArrayList<>();
            for (JsonNode r : n.get("rules")) {
                List<Pattern> pats = new ArrayList<>();
                for (JsonNode s : r.path("strings")) {
                    boolean nocase = s.path("nocase").asBoolean(false);
                    pats.add(Pattern.compile(Pattern.quote(s.get("value").asString()), nocase ? Pattern.CASE_INSENSITIVE : 0));
                }
                for (JsonNode s : r.path("regex")) pats.add(Pattern.compile(s.asString(), Pattern.CASE_INSENSITIVE));
                List<byte[]> hex = new ArrayList<>();
                for (JsonNode s : r.path("hex")) hex.add(HexFormat.of().parseHex(s.asString().replace(" ", "")));
                List<String> imports = new ArrayList<>();
                for (JsonNode s : r.path("imports")) imports.add(s.asString());
                List<String> exports = new ArrayList<>();
                for (JsonNode s : r.path("exports")) exports.add(s.asString());
                rs.add(new Rule(r.get("id").asString(), Severity.valueOf(r.get("severity").asString().toUpperCase(Locale.ROOT)),
                        r.path("description").asString(""), r.path("targets").asString("any"), r.path("condition").asString("any"),
                        pats, hex, imports, exports, r.path("unlessPermission").asString(null),
                        r.path("hostsNotInManifest").asBoolean(false)));
            }
            return new Rules(n.get("name").asString(), n.get("version").asString(), List.copyOf(rs));
        }
    }

    /**
     * One rule. {@code targets}: text, wasm or any. Import patterns match {@code module.name} with a trailing '*'
     * as prefix wildcard. {@code unlessPermission} (network|secrets|filesystem) suppresses the rule when the
     * manifest grants that permission.
     */
    public record Rule(String id, Severity severity, String description, String targets, String condition,
                       List<Pattern> patterns, List<byte[]> hex, List<String> imports, List<String> exports, String unlessPermission,
                       boolean hostsNotInManifest) {}

    private static final Pattern URL_HOST = Pattern.compile("(?i)\\b(?:https?|wss?|ftp)://([a-z0-9.-]+)");

    public static ScanReport scan(SkillPackage pkg, Rules rules) {
        List<Finding> out = new ArrayList<>();
        JsonNode manifest;
        try {
            manifest = Json.parse(pkg.manifest());
        } catch (CryptoException e) {
            manifest = Json.MAPPER.createObjectNode();
            out.add(new Finding("manifest-malformed", Severity.FAIL, SkillPackage.MANIFEST, null, "manifest.json is not JSON"));
        }
        for (String name : pkg.names()) {
            byte[] content = pkg.entry(name);
            boolean wasm = name.endsWith(".wasm");
            WasmModule module = null;
            byte[] scanned = content;
            if (wasm) {
                try {
                    module = WasmModule.parse(content);
                    scanned = module.data();
                } catch (WasmModule.MalformedWasm e) {
                    out.add(new Finding("wasm-malformed", Severity.FAIL, name, null, "malformed wasm module: " + e.getMessage()));
                }
            }
            String text = new String(scanned, StandardCharsets.ISO_8859_1); // 1:1 bytes to chars, so offsets are byte offsets
            for (Rule r : rules.rules()) {
                if (r.targets().equals("text") && wasm || r.targets().equals("wasm") && !wasm) continue;
                if (r.unlessPermission() != null && granted(manifest, r.unlessPermission())) continue;
                List<String> hits = new ArrayList<>();
                Long firstOffset = null;
                int clauses = 0, matched = 0;
                for (Pattern p : r.patterns()) {
                    clauses++;
                    Matcher m = p.matcher(text);
                    if (m.find()) {
                        matched++;
                        hits.add("'" + abbreviate(m.group()) + "'");
                        if (firstOffset == null) firstOffset = (long) m.start();
                    }
                }
                for (byte[] h : r.hex()) {
                    clauses++;
                    int at = indexOf(scanned, h);
                    if (at >= 0) { matched++; hits.add("hex@" + at); if (firstOffset == null) firstOffset = (long) at; }
                }
                for (String imp : r.imports()) {
                    clauses++;
                    if (module != null) {
                        for (String i : module.imports()) {
                            if (imp.endsWith("*") ? i.startsWith(imp.substring(0, imp.length() - 1)) : i.equals(imp)) { matched++; hits.add("import " + i); break; }
                        }
                    }
                }
                for (String exp : r.exports()) {
                    clauses++;
                    if (module != null && module.exports().contains(exp)) { matched++; hits.add("export " + exp); }
                }
                if (r.hostsNotInManifest()) {
                    clauses++;
                    Matcher m = URL_HOST.matcher(text);
                    while (m.find()) {
                        String host = m.group(1).toLowerCase(Locale.ROOT);
                        if (!declaredHosts(manifest).contains(host)) {
                            matched++;
                            hits.add("host " + host);
                            if (firstOffset == null) firstOffset = (long) m.start();
                            break;
                        }
                    }
                }
                boolean fire = clauses > 0 && (r.condition().equals("all") ? matched == clauses : matched > 0);
                if (fire) out.add(new Finding(r.id(), r.severity(), name, wasm ? null : firstOffset, r.description() + ": " + String.join(", ", hits)));
            }
        }
        String verdict = out.stream().anyMatch(f -> f.severity() == Severity.FAIL) ? "fail" : out.isEmpty() ? "pass" : "warn";
        return new ScanReport(verdict, List.copyOf(out), rules.name(), rules.version());
    }

    /** Hosts of the manifest's network list, port stripped. */
    private static java.util.Set<String> declaredHosts(JsonNode manifest) {
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (JsonNode n : manifest.path("permissions").path("network")) {
            String h = n.asString("");
            int colon = h.lastIndexOf(':');
            hosts.add((colon > 0 ? h.substring(0, colon) : h).toLowerCase(Locale.ROOT));
        }
        return hosts;
    }

    private static boolean granted(JsonNode manifest, String perm) {
        JsonNode p = manifest.path("permissions").path(perm);
        return p.isArray() && !p.isEmpty();
    }

    private static String abbreviate(String s) { return s.length() > 60 ? s.substring(0, 60) + "…" : s; }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
