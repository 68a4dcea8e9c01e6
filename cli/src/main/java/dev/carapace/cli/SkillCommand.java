package dev.carapace.cli;

import dev.carapace.client.HubClient;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.Signer;
import dev.carapace.client.TrustedLogs;
import dev.carapace.client.skills.SkillVerificationException;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.sandbox.Engine;
import dev.carapace.sandbox.Manifest;
import dev.carapace.sandbox.Sandbox;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.NameGuard;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.Scanner;
import dev.carapace.skills.SkillPackage;
import dev.carapace.skills.TrustScore;
import dev.carapace.tlog.NoteVerifier;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "skill", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Skills: package, sign, publish, audit and install WebAssembly skills, verified against the"
                + " hub's transparency log, and run them in the sandbox.",
        subcommands = {SkillCommand.Init.class, SkillCommand.Pack.class, SkillCommand.Sign.class,
            SkillCommand.Publish.class, SkillCommand.Scan.class, SkillCommand.Audit.class, SkillCommand.Vouch.class,
            SkillCommand.Revoke.class, SkillCommand.Search.class, SkillCommand.ListInstalled.class,
            SkillCommand.Remove.class, SkillCommand.Info.class, SkillCommand.Install.class, SkillCommand.Update.class,
            SkillCommand.Run.class, SkillCommand.Fetch.class, SkillCommand.Verify.class})
public final class SkillCommand extends CommandGroup {

    // --- shared plumbing -----------------------------------------------------------------------------------------

    /** A hub, its skill routes and a verifier bound to this home's trusted view of the hub's log and its pins. */
    record Conn(URI hub, SkillsClient skills, SkillVerifier verifier, SkillStore store) {
        static Conn open(Home home, LogTrustOptions.Access access) throws IOException {
            URI hub = access.hubOptions.resolve(home);
            HubClient client = Hubs.client(hub);
            LogVerifier log = access.trust.connect(home, client, hub);
            return new Conn(hub, new SkillsClient(client), new SkillVerifier(new SkillsClient(client), log),
                    new SkillStore(home));
        }

        /**
         * Verifies, then checks and records the digest pin: every version this home has seen verified is pinned,
         * installed or not, so different bytes for it later are caught whichever command sees them.
         */
        SkillVerifier.Verified verify(String name, String version, boolean refuseRevoked) throws IOException {
            SkillVerifier.Verified v = Hubs.verified(hub, () -> {
                try {
                    return verifier.verify(name, version, refuseRevoked);
                } catch (SkillVerificationException e) {
                    throw CliException.verification("verification failed at step " + e.step().name().toLowerCase(Locale.ROOT)
                            + ": " + e.getMessage());
                }
            });
            store.checkPin(v.name(), v.version(), v.digest());
            store.pin(v.name(), v.version(), v.digest());
            return v;
        }
    }

    record NameVersion(String name, String version) {
        static NameVersion parse(String s, boolean versionRequired) {
            int at = s.lastIndexOf('@');
            String name = at < 0 ? s : s.substring(0, at);
            String version = at < 0 ? null : s.substring(at + 1);
            try {
                NameGuard.validate(name);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            if (versionRequired && (version == null || version.isEmpty())) {
                throw CliException.usage("give the version: " + name + "@VERSION");
            }
            return new NameVersion(name, version);
        }
    }

    static Signer signer(Home home) throws IOException {
        Home.Identity id = home.identity();
        return Signer.current(id.log(), home.currentKey(id));
    }

    static SkillPackage readPackage(Path file) throws IOException {
        try {
            return SkillPackage.read(Files.readAllBytes(file));
        } catch (PackageException e) {
            throw CliException.verification(file + ": not an acceptable skill package: " + e.getMessage());
        }
    }

    static void print(CommandSpec spec, String text) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(text);
        out.flush();
    }

    /** A registry write, with its log receipt. */
    static String receipt(JsonNode r) {
        return "logged at index " + r.path("index").asLong() + " (log size " + r.path("size").asLong() + ")";
    }

    /** The single WebAssembly module of a package; two or none is refused rather than guessed. */
    static byte[] module(SkillPackage pkg) {
        List<String> wasm = pkg.names().stream().filter(n -> n.endsWith(".wasm")).toList();
        if (wasm.size() != 1) {
            throw CliException.verification("a skill package holds exactly one .wasm module; this one has " + wasm.size());
        }
        return pkg.entry(wasm.get(0));
    }

    // --- authoring -----------------------------------------------------------------------------------------------

    @Command(name = "init", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Scaffold a skill folder: manifest.json, skill.wat, a prebuilt skill.wasm and README.md.")
    static final class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Option(names = "--name", paramLabel = "NAMESPACE/NAME", required = true, description = "The skill's name.")
        String name;

        @Override
        public Integer call() throws Exception {
            NameVersion.parse(name, false);
            if (Files.exists(dir)) {
                try (var entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw CliException.usage(dir + " is not empty");
                    }
                }
            }
            Files.createDirectories(dir);
            ObjectNode m = Json.object();
            m.put("name", name);
            m.put("version", "0.1.0");
            m.put("description", "Prints a greeting.");
            m.putObject("entrypoints").putObject("main").put("export", "_start");
            m.putObject("permissions");
            m.putObject("limits").put("memoryPages", 1).put("wallMs", 2000).put("cpuMs", 2000).put("outputBytes", 1024);
            Files.writeString(dir.resolve("manifest.json"), Json.pretty(m) + "\n");
            Files.writeString(dir.resolve("skill.wat"), """
                    ;; Prints a greeting with WASI fd_write. Rebuild with: wat2wasm skill.wat -o skill.wasm
                    (module
                      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                      (memory (export "memory") 1 1)
                      (data (i32.const 16) "hello from a sandboxed skill\\n")
                      (func (export "_start")
                        (i32.store (i32.const 0) (i32.const 16))
                        (i32.store (i32.const 4) (i32.const 29))
                        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
                    """);
            try (InputStream in = SkillCommand.class.getResourceAsStream("skill-template/skill.wasm")) {
                Files.write(dir.resolve("skill.wasm"), in.readAllBytes());
            }
            Files.writeString(dir.resolve("README.md"), "# " + name + "\n\nA Carapace skill. Permissions are declared"
                    + " in manifest.json; there is no install step: the package is data.\n");
            print(spec, "created " + dir + " (pack it with: carapace skill pack " + dir + " --out skill.zip)\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "pack", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Pack a skill folder into a deterministic package (same files, same bytes).")
    static final class Pack implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Option(names = "--out", required = true, paramLabel = "PKG")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(dir)) {
                throw CliException.usage("no such folder: " + dir);
            }
            byte[] bytes;
            try {
                bytes = SkillPackage.pack(dir);
            } catch (PackageException e) {
                throw CliException.usage("cannot pack " + dir + ": " + e.getMessage());
            }
            SkillPermissions.parse(SkillPackage.read(bytes).manifest()); // refuse to pack what no one could install
            SecureFiles.writeAtomic(out, bytes);
            print(spec, "packed " + out + " sha256 " + Bytes.hex(Bytes.sha256(bytes)) + " (" + bytes.length + " bytes)\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Sign a package's publish statement (DSSE, in-toto) with this identity's current key.")
    static final class Sign implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Parameters(index = "0", paramLabel = "PKG")
        Path pkg;

        @Option(names = "--out", paramLabel = "FILE", description = "Default: PKG.publish.dsse.json")
        Path out;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            readPackage(pkg);
            Dsse.Envelope env = SkillsClient.signPublication(Files.readAllBytes(pkg), signer(home));
            Path file = out != null ? out : Path.of(pkg + ".publish.dsse.json");
            SecureFiles.writeAtomic(file, (Json.pretty(env.toJson()) + "\n").getBytes(StandardCharsets.UTF_8));
            print(spec, "wrote " + file + "\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Upload and publish a package under your namespace (claimed on first use, and logged).",
                "A name confusable with an existing skill is refused unless --allow-confusable; installers are warned."})
    static final class Publish implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Parameters(index = "0", paramLabel = "PKG")
        Path pkg;

        @Option(names = "--signature", paramLabel = "FILE", description = "A publish statement from 'skill sign'.")
        Path signature;

        @Option(names = "--allow-confusable", description = "Publish even if the name looks like another skill's.")
        boolean allowConfusable;

        @Option(names = "--json", description = "Print the hub's receipt (log index, checkpoint, inclusion proof) as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            URI hub = hubOptions.resolve(home);
            SkillPackage p = readPackage(pkg);
            SkillPermissions.parse(p.manifest());
            Signer signer = signer(home);
            Dsse.Envelope env = null;
            if (signature != null) {
                try {
                    env = Dsse.fromJson(Files.readAllBytes(signature));
                } catch (CryptoException e) {
                    throw CliException.usage(signature + ": " + e.getMessage());
                }
            }
            Dsse.Envelope statement = env;
            SkillsClient skills = new SkillsClient(Hubs.client(hub));
            JsonNode r = Hubs.call(hub, () -> {
                try {
                    return skills.publishPackage(signer, p.bytes(), statement, allowConfusable);
                } catch (PackageException | CryptoException e) {
                    throw CliException.usage(e.getMessage());
                }
            });
            if (json) {
                print(spec, Json.compact(r) + "\n");
                return ExitCodes.OK;
            }
            StringBuilder b = new StringBuilder("published " + r.path("name").asString() + "@" + r.path("version").asString()
                    + " sha256 " + r.path("digest").asString() + ", " + receipt(r) + "\n");
            for (JsonNode m : r.path("confusableWith")) {
                b.append("warning: confusable with ").append(m.path("existing").asString()).append(" (")
                        .append(m.path("reason").asString()).append("); installers will be warned\n");
            }
            print(spec, b.toString());
            return ExitCodes.OK;
        }
    }

    // --- review --------------------------------------------------------------------------------------------------

    static Scanner.ScanReport scan(SkillPackage pkg) {
        return Scanner.scan(pkg, Scanner.Rules.builtin());
    }

    static ObjectNode scanJson(Scanner.ScanReport r) {
        return r.toJson();
    }

    static String scanText(Scanner.ScanReport r) {
        StringBuilder b = new StringBuilder("verdict: " + r.verdict() + " (" + r.rulesName() + " " + r.rulesVersion() + ")\n");
        for (Scanner.Finding f : r.findings()) {
            b.append("  ").append(f.severity().name().toLowerCase(Locale.ROOT)).append(' ').append(f.rule()).append(" in ")
                    .append(f.entry()).append(f.offset() == null ? "" : " at " + f.offset()).append(": ")
                    .append(f.message()).append('\n');
        }
        return b.toString();
    }

    @Command(name = "scan", mixinStandardHelpOptions = true,
            footer = {"", "Exit codes: 0 pass or warn, 1 fail (or a package that cannot be read), 2 usage, 3 I/O."},
            description = {"Scan a package with the built-in rules and print the verdict and findings.",
                "The scanner is one signal among several (signatures, audits, vouches, age), never the only gate."})
    static final class Scan implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Parameters(index = "0", paramLabel = "PKG")
        Path pkg;

        @Option(names = "--json", description = "Print {\"verdict\", \"findings\", ...} as JSON.")
        boolean json;

        @Option(names = "--attest", description = "Sign the result as an audit of the published package and add it.")
        boolean attest;

        @Override
        public Integer call() throws Exception {
            SkillPackage p = readPackage(pkg);
            return reportScan(spec, scan(p), json, !attest ? null : r -> {
                Home home = homeOptions.open();
                URI hub = hubOptions.resolve(home);
                JsonNode m = Json.parse(p.manifest());
                Signer signer = signer(home);
                Dsse.Envelope env = Attestations.audit(m.path("name").asString(), m.path("version").asString(),
                        p.digest(), r).sign(signer.keyId(), signer.key());
                return Hubs.call(hub, () -> new SkillsClient(Hubs.client(hub)).attest(signer, env));
            });
        }
    }

    /** Signs a scan result as an audit and adds it to a hub, returning the hub's receipt. */
    @FunctionalInterface
    interface AuditPoster {
        JsonNode post(Scanner.ScanReport report) throws Exception;
    }

    /**
     * Prints a scan result as {@code scan} and {@code audit} do; with a poster (--attest), signs and adds it and
     * reports the receipt on stderr. The exit code follows the verdict.
     */
    private static int reportScan(CommandSpec spec, Scanner.ScanReport r, boolean json, AuditPoster poster)
            throws Exception {
        print(spec, json ? Json.compact(scanJson(r)) + "\n" : scanText(r));
        if (poster != null) {
            spec.commandLine().getErr().println("audit " + receipt(poster.post(r)));
        }
        return r.verdict().equals("fail") ? ExitCodes.VERIFICATION_FAILED : ExitCodes.OK;
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            footer = {"", "Exit codes: 0 pass or warn, 1 fail or verification failed, 2 usage, 3 I/O."},
            description = "Verify a published version, scan it, print the result; --attest signs and adds it as an audit.")
    static final class Audit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME@VERSION")
        String target;

        @Option(names = "--attest", description = "Sign the result as an audit and add it to the hub (logged).")
        boolean attest;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, true);
            Home home = access.homeOptions.open();
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), false);
            return reportScan(spec, scan(SkillPackage.read(v.packageBytes())), json, !attest ? null : r -> {
                Signer signer = signer(home);
                Dsse.Envelope env = Attestations.audit(v.name(), v.version(), v.digest(), r)
                        .sign(signer.keyId(), signer.key());
                return Hubs.call(c.hub(), () -> c.skills().attest(signer, env));
            });
        }
    }

    /** vouch and revoke: verify first (never vouch for bytes you have not checked), then sign and add. */
    abstract static class Statement implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME@VERSION")
        String target;

        abstract InTotoStatement statement(SkillVerifier.Verified v);

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, true);
            Home home = access.homeOptions.open();
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), false);
            Signer signer = signer(home);
            Dsse.Envelope env = statement(v).sign(signer.keyId(), signer.key());
            JsonNode r = Hubs.call(c.hub(), () -> c.skills().attest(signer, env));
            print(spec, r.path("kind").asString() + " of " + v.name() + "@" + v.version() + " " + receipt(r) + "\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "vouch", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Vouch for a published version (a signed, logged statement).")
    static final class Vouch extends Statement {
        @Option(names = "--statement", paramLabel = "TEXT", defaultValue = "I reviewed this version and vouch for it.")
        String text;

        @Override
        InTotoStatement statement(SkillVerifier.Verified v) {
            return Attestations.vouch(v.name(), v.version(), v.digest(), text);
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Revoke a version (signed and logged). The author's revocation takes effect at once; others"
                    + " count once identities of " + dev.carapace.skills.RevocationRule.AUDITOR_QUORUM + " distinct"
                    + " owners, each an owner or an agent linked to one for at least "
                    + dev.carapace.skills.RevocationRule.MIN_STANDING_DAYS + " days and each having audited"
                    + " the same digest, have revoked it (docs/skills-trust.md)."})
    static final class Revoke extends Statement {
        @Option(names = "--reason", required = true, paramLabel = "TEXT")
        String reason;

        @Override
        InTotoStatement statement(SkillVerifier.Verified v) {
            if (reason.isBlank()) {
                throw CliException.usage("--reason must not be blank");
            }
            return Attestations.revoke(v.name(), v.version(), v.digest(), reason);
        }
    }

    @Command(name = "search", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Search the hub's skills by name (unverified listing; install and info verify).")
    static final class Search implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Parameters(index = "0", arity = "0..1", paramLabel = "QUERY")
        String query;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            URI hub = hubOptions.resolve(homeOptions.open());
            JsonNode r = Hubs.call(hub, () -> new SkillsClient(Hubs.client(hub)).search(query));
            if (json) {
                print(spec, Json.compact(r) + "\n");
            } else {
                StringBuilder b = new StringBuilder();
                for (JsonNode s : r.path("skills")) {
                    b.append(s.path("name").asString()).append(' ').append(s.path("latest").asString())
                            .append(s.path("confusable").asBoolean() ? "  (WARNING: confusable name)" : "").append('\n');
                }
                print(spec, b.isEmpty() ? "no skills found\n" : b.toString());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "List installed skills with their pinned digests.")
    static final class ListInstalled implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode all = new SkillStore(homeOptions.open()).installed();
            if (json) {
                print(spec, Json.compact(all) + "\n");
                return ExitCodes.OK;
            }
            StringBuilder b = new StringBuilder();
            for (var e : all.path("skills").properties()) {
                JsonNode s = e.getValue();
                b.append(e.getKey()).append(' ').append(s.path("version").asString()).append(" sha256 ")
                        .append(s.path("digest").asString())
                        .append(s.path("quarantined").asBoolean() ? " QUARANTINED (unsigned)" : "").append('\n');
            }
            print(spec, b.isEmpty() ? "no skills installed\n" : b.toString());
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Remove an installed skill (its digest stays pinned, so a swapped version is still caught).")
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            SkillStore store = new SkillStore(homeOptions.open());
            JsonNode e = store.entry(name);
            if (e == null) {
                throw CliException.usage(name + " is not installed");
            }
            store.removeEntry(name);
            store.deletePackage(e.path("digest").asString());
            print(spec, "removed " + name + "\n");
            return ExitCodes.OK;
        }
    }

    // --- trust ---------------------------------------------------------------------------------------------------

    @Command(name = "info", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify a skill and explain its trust score factor by factor (docs/skills-trust.md), with the"
                    + " log index of every statement."})
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME[@VERSION]")
        String target;

        @Option(names = "--auditor", paramLabel = "ID",
                description = "An identity you trust as auditor/voucher: standing 1.0 (others count 0.25); repeatable.")
        List<String> trustedAuditors = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, false);
            Home home = access.homeOptions.open();
            JsonNode installed = new SkillStore(home).entry(nv.name());
            if (access.hubOptions.hub == null && installed != null && installed.hasNonNull("hub")) {
                access.hubOptions.hub = installed.path("hub").asString();
            }
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), false);
            Scanner.ScanReport scan = scan(SkillPackage.read(v.packageBytes()));
            List<TrustScore.Audit> audits = new ArrayList<>();
            List<Double> vouches = new ArrayList<>();
            for (SkillVerifier.Statement s : v.attestations()) {
                double standing = trustedAuditors.contains(s.signer()) ? 1.0 : 0.25;
                if (s.kind().equals("audit")) {
                    audits.add(new TrustScore.Audit(TrustScore.Verdict.valueOf(
                            s.predicate().path("verdict").asString("fail").toUpperCase(Locale.ROOT)), standing));
                } else if (s.kind().equals("vouch")) {
                    vouches.add(standing);
                }
            }
            long fails = scan.findings().stream().filter(f -> f.severity() == Scanner.Severity.FAIL).count();
            long ageDays = v.publishedMs() <= 0 ? 0 : Math.max(0, (System.currentTimeMillis() - v.publishedMs()) / 86_400_000L);
            TrustScore.TrustReport report = TrustScore.compute(new TrustScore.TrustInputs(true, audits, vouches, ageDays,
                    v.revoked(), (int) fails, (int) (scan.findings().size() - fails)));
            if (json) {
                ObjectNode o = Json.object();
                o.put("name", v.name());
                o.put("version", v.version());
                o.put("digest", v.digest());
                o.put("publisher", v.publisher());
                o.put("logIndex", v.publishIndex());
                o.put("namespaceLogIndex", v.namespaceIndex());
                o.put("revoked", v.revoked());
                o.put("score", report.score());
                o.put("status", report.status().name());
                ArrayNode fs = o.putArray("factors");
                for (TrustScore.Factor f : report.factors()) {
                    fs.addObject().put("name", f.name()).put("value", f.value()).put("points", f.points())
                            .put("explanation", f.explanation());
                }
                ArrayNode as = o.putArray("attestations");
                v.attestations().forEach(s -> as.addObject().put("kind", s.kind()).put("signer", s.signer())
                        .put("logIndex", s.logIndex()));
                o.set("scan", scanJson(scan));
                ArrayNode ws = o.putArray("warnings");
                v.warnings().forEach(ws::add);
                o.set("permissions", Json.MAPPER.valueToTree(SkillPermissions.describe(
                        SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8)).permissions())));
                print(spec, Json.compact(o) + "\n");
                return ExitCodes.OK;
            }
            StringBuilder b = new StringBuilder();
            b.append(v.name()).append(' ').append(v.version()).append(v.revoked() ? "  REVOKED" : "").append('\n');
            b.append("  sha256 ").append(v.digest()).append('\n');
            b.append("  publisher ").append(v.publisher()).append(", publication at log index ").append(v.publishIndex())
                    .append(", namespace claim at log index ").append(v.namespaceIndex()).append('\n');
            b.append("trust score ").append(report.score()).append("/100, status ").append(report.status()).append('\n');
            for (TrustScore.Factor f : report.factors()) {
                b.append(String.format(Locale.ROOT, "  %-10s %+7.2f  %s: %s%n", f.name(), f.points(), f.value(), f.explanation()));
            }
            for (SkillVerifier.Statement s : v.attestations()) {
                b.append("  ").append(s.kind()).append(" by ").append(s.signer()).append(" at log index ")
                        .append(s.logIndex());
                if (s.kind().equals("audit")) {
                    b.append(": ").append(s.predicate().path("verdict").asString());
                } else if (s.kind().equals("revoke")) {
                    b.append(": ").append(s.predicate().path("reason").asString());
                }
                b.append('\n');
            }
            v.warnings().forEach(w -> b.append("warning: ").append(w).append('\n'));
            print(spec, b.toString());
            return ExitCodes.OK;
        }
    }

    // --- install, update, run ------------------------------------------------------------------------------------

    /** Consent: a policy file, --yes, or a person at a terminal; nothing else. */
    static final class ConsentOptions {
        @Option(names = "--yes", description = "Consent to the permissions shown without asking.")
        boolean yes;

        @Option(names = "--policy", paramLabel = "FILE",
                description = "Consent by policy (JSON: requireAudits, maxPermissions, allowConfusable), for agents.")
        Path policy;

        /** Returns normally only with consent; otherwise fails, having printed what would have been granted. */
        void require(CommandSpec spec, String prompt, SkillVerifier.Verified v, Manifest m, boolean confusable)
                throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            out.print(prompt);
            out.flush();
            if (policy != null) {
                SkillPermissions.Policy p = SkillPermissions.Policy.parse(Files.readAllBytes(policy), policy.toString());
                List<String[]> passing = new ArrayList<>();
                if (v != null) {
                    for (SkillVerifier.Statement s : v.attestations()) {
                        if (s.kind().equals("audit") && s.predicate().path("verdict").asString("").equals("pass")) {
                            passing.add(new String[] {s.signer()});
                        }
                    }
                }
                List<String> refusals = p.refusals(m, passing, confusable);
                if (!refusals.isEmpty()) {
                    throw CliException.verification("the policy " + policy + " refuses: " + String.join("; ", refusals));
                }
                out.println("consent: policy " + policy);
                return;
            }
            if (yes) {
                out.println("consent: --yes");
                return;
            }
            Console console = terminal();
            if (console == null) {
                throw CliException.verification("not installed: no consent. There is no terminal to ask on; review the"
                        + " permissions above and pass --yes, or --policy FILE for unattended installs");
            }
            String answer = console.readLine("Grant these permissions? [y/N] ");
            if (answer == null || !answer.trim().equalsIgnoreCase("y") && !answer.trim().equalsIgnoreCase("yes")) {
                throw CliException.verification("not installed: consent refused");
            }
        }
    }

    /**
     * The console only when it is an interactive terminal. From JDK 22 on, System.console() may return a console on
     * redirected streams; Console.isTerminal() (JDK 22+, called reflectively as this code targets 21) tells them apart.
     * If it cannot be asked, a console is trusted only as older JDKs gave it: never on redirected streams.
     */
    static Console terminal() {
        Console c = System.console();
        if (c == null) {
            return null;
        }
        try {
            Object interactive = Console.class.getMethod("isTerminal").invoke(c);
            return Boolean.TRUE.equals(interactive) ? c : null;
        } catch (ReflectiveOperationException e) {
            return c; // JDK 21: System.console() is non-null only on a terminal
        }
    }

    static Map<String, String> parseDirs(List<String> dirs, Manifest m) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String d : dirs) {
            int eq = d.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("--dir must be GUEST=HOST, got '" + d + "'");
            }
            String guest = d.substring(0, eq);
            if (m.permissions().filesystem().stream().noneMatch(g -> g.path().equals(guest))) {
                throw CliException.usage("--dir " + guest + " is not declared in the manifest; refusing to run");
            }
            out.put(guest, Path.of(d.substring(eq + 1)).toAbsolutePath().normalize().toString());
        }
        return out;
    }

    static ObjectNode entry(SkillVerifier.Verified v, URI hub, boolean quarantined, Map<String, String> dirs) {
        ObjectNode e = Json.object();
        e.put("version", v.version());
        e.put("digest", v.digest());
        e.put("hub", hub == null ? null : hub.toString());
        e.put("publisher", v.publisher());
        e.put("logIndex", v.publishIndex());
        e.put("quarantined", quarantined);
        ObjectNode d = e.putObject("dirs");
        dirs.forEach(d::put);
        e.put("installedMs", System.currentTimeMillis());
        return e;
    }

    @Command(name = "install", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Install a skill from the hub after verifying, in order: the author's signature, inclusion in"
                    + " the log and consistency with the trusted checkpoint, revocation, namespace ownership. Then the"
                    + " permissions are shown and installed only with consent (a terminal, --yes or --policy).",
                "Nothing runs at install: the package is data. A version whose bytes differ from the ones seen before is"
                    + " reported as an attack. A local unsigned PKG installs only with --allow-unsigned, quarantined."})
    static final class Install implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Mixin
        ConsentOptions consent;

        @Parameters(index = "0", paramLabel = "NAME[@VERSION]|PKG")
        String target;

        @Option(names = "--dir", paramLabel = "GUEST=HOST", description = "Bind a host folder to a granted directory; repeatable.")
        List<String> dirs = new ArrayList<>();

        @Option(names = "--allow-unsigned", description = "Install a local, unsigned package quarantined: no network,"
                + " no secrets, no folders.")
        boolean allowUnsigned;

        @Option(names = "--bundle", paramLabel = "BUNDLE",
                description = "Install a local PKG verified offline against its bundle (from 'skill fetch').")
        Path bundle;

        @Option(names = "--log-key", paramLabel = "VKEY", description = "With --bundle: the log's key, if this home"
                + " has not pinned it.")
        String logKey;

        @Option(names = "--allow-downgrade", description = "Replace an installed version by an older one.")
        boolean allowDowngrade;

        @Override
        public Integer call() throws Exception {
            Home home = access.homeOptions.open();
            SkillStore store = new SkillStore(home);
            if (target.endsWith(".zip") || Files.isRegularFile(Path.of(target))) {
                return bundle != null ? installBundled(home, store) : installUnsigned(store);
            }
            NameVersion nv = NameVersion.parse(target, false);
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), true); // also checks and records the pin
            Manifest m = SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8));
            module(SkillPackage.read(v.packageBytes()));
            Map<String, String> bound = parseDirs(dirs, m);
            refuseDowngrade(store, v);
            boolean confusable = !v.confusableWith().isEmpty();
            v.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
            String title = "Install " + v.name() + " " + v.version() + " by " + v.publisher() + "\n  sha256 " + v.digest()
                    + ", verified: signature, log index " + v.publishIndex() + ", not revoked, namespace owner";
            consent.require(spec, SkillPermissions.prompt(title, m), v, m, confusable);
            store.savePackage(v.digest(), v.packageBytes());
            JsonNode old = store.entry(v.name());
            store.putEntry(v.name(), entry(v, c.hub(), false, bound));
            if (old != null && !old.path("digest").asString().equals(v.digest())) {
                store.deletePackage(old.path("digest").asString());
            }
            if (HubOptions.remembered(home) == null) {
                HubOptions.remember(home, c.hub()); // the home's hub from now on, whatever is later removed
            }
            print(spec, "installed " + v.name() + "@" + v.version() + "\n");
            return ExitCodes.OK;
        }

        /** An older version than the one installed replaces it only with --allow-downgrade. */
        private void refuseDowngrade(SkillStore store, SkillVerifier.Verified v) throws IOException {
            JsonNode old = store.entry(v.name());
            if (old != null && !allowDowngrade && compareVersions(v.version(), old.path("version").asString()) < 0) {
                throw CliException.usage(v.name() + "@" + v.version() + " is older than the installed "
                        + old.path("version").asString() + "; not downgrading (pass --allow-downgrade to replace it)");
            }
        }

        private int installBundled(Home home, SkillStore store) throws IOException, PackageException {
            byte[] bytes = Files.readAllBytes(Path.of(target));
            SkillVerifier.Verified v = Verify.offline(bytes, bundle, logKey, home, access.trust);
            store.checkPin(v.name(), v.version(), v.digest());
            Manifest m = SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8));
            module(SkillPackage.read(bytes));
            Map<String, String> bound = parseDirs(dirs, m);
            refuseDowngrade(store, v);
            String title = "Install " + v.name() + " " + v.version() + " by " + v.publisher() + "\n  sha256 " + v.digest()
                    + ", verified offline: signature, log proof at index " + v.publishIndex() + ", not revoked in the"
                    + " bundle, namespace owner";
            consent.require(spec, SkillPermissions.prompt(title, m), v, m, false);
            store.pin(v.name(), v.version(), v.digest());
            store.savePackage(v.digest(), bytes);
            store.putEntry(v.name(), entry(v, null, false, bound));
            print(spec, "installed " + v.name() + "@" + v.version() + " (verified offline)\n");
            return ExitCodes.OK;
        }

        private int installUnsigned(SkillStore store) throws IOException {
            Path file = Path.of(target);
            SkillPackage p = readPackage(file);
            if (!allowUnsigned) {
                throw CliException.verification(file + " is a local package with no verified signature or log proof;"
                        + " install from a hub, or pass --allow-unsigned to install it quarantined");
            }
            Manifest m = SkillPermissions.parse(p.manifest());
            module(p);
            if (!dirs.isEmpty()) {
                throw CliException.usage("a quarantined skill gets no folders: drop --dir");
            }
            Manifest quarantined = quarantine(m);
            String title = "Install UNSIGNED " + m.name() + " " + m.version() + " QUARANTINED (sha256 " + p.digest()
                    + ")\n  nobody vouches for these bytes; it runs with no network, no secrets and no folders";
            consent.require(spec, SkillPermissions.prompt(title, quarantined), null, quarantined, false);
            store.checkPin(m.name(), m.version(), p.digest());
            store.pin(m.name(), m.version(), p.digest());
            store.savePackage(p.digest(), p.bytes());
            ObjectNode e = Json.object();
            e.put("version", m.version());
            e.put("digest", p.digest());
            e.put("quarantined", true);
            e.putObject("dirs");
            e.put("installedMs", System.currentTimeMillis());
            store.putEntry(m.name(), e);
            print(spec, "installed " + m.name() + "@" + m.version() + " QUARANTINED\n");
            return ExitCodes.OK;
        }
    }

    /** Semantic-version order: numeric MAJOR.MINOR.PATCH, and a pre-release sorts before its release. */
    static int compareVersions(String a, String b) {
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

    static Manifest quarantine(Manifest m) {
        return new Manifest(m.name(), m.version(), m.description(), m.entrypoints(), Manifest.Permissions.none(), m.limits());
    }

    @Command(name = "update", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Update an installed skill to the hub's latest version, verified like install. Wider"
                    + " permissions need consent again and are shown as a diff."})
    static final class Update implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Mixin
        ConsentOptions consent;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--dir", paramLabel = "GUEST=HOST",
                description = "Bind a host folder to a granted directory (a new one, or instead of the folder bound"
                        + " before); repeatable.")
        List<String> dirs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Home home = access.homeOptions.open();
            SkillStore store = new SkillStore(home);
            JsonNode old = store.entry(name);
            if (old == null) {
                throw CliException.usage(name + " is not installed");
            }
            if (old.path("quarantined").asBoolean()) {
                throw CliException.usage(name + " was installed from an unsigned file; remove it and install from a hub");
            }
            if (access.hubOptions.hub == null && old.hasNonNull("hub")) {
                access.hubOptions.hub = old.path("hub").asString();
            }
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(name, null, true); // also checks and records the pin
            if (v.digest().equals(old.path("digest").asString())) {
                print(spec, name + " is up to date (" + v.version() + ")\n");
                return ExitCodes.OK;
            }
            if (compareVersions(v.version(), old.path("version").asString()) < 0) {
                // A registry offering an older version as the latest is attempting a rollback, not an update.
                throw CliException.verification("the registry offers " + v.version() + " as the latest " + name
                        + ", older than the installed " + old.path("version").asString() + "; refusing to downgrade");
            }
            Manifest before = SkillPermissions.parse(SkillPackage.read(store.loadPackage(old.path("digest").asString())).manifest());
            Manifest after = SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8));
            module(SkillPackage.read(v.packageBytes()));
            List<String> widened = SkillPermissions.widened(before.permissions(), after.permissions());
            Map<String, String> bound = new LinkedHashMap<>();
            old.path("dirs").properties().forEach(e -> {
                if (after.permissions().filesystem().stream().anyMatch(g -> g.path().equals(e.getKey()))) {
                    bound.put(e.getKey(), e.getValue().asString());
                }
            });
            bound.putAll(parseDirs(dirs, after));
            v.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
            if (!widened.isEmpty()) {
                String title = "Update " + name + " " + old.path("version").asString() + " -> " + v.version()
                        + " asks for MORE permissions:\n  " + String.join("\n  ", widened);
                consent.require(spec, SkillPermissions.prompt(title, after), v, after,
                        !v.confusableWith().isEmpty());
            }
            store.savePackage(v.digest(), v.packageBytes());
            store.putEntry(name, entry(v, c.hub(), false, bound));
            store.deletePackage(old.path("digest").asString());
            print(spec, "updated " + name + " to " + v.version() + "\n");
            return ExitCodes.OK;
        }
    }

    /**
     * An installed skill as {@code skill run} runs it: its store entry, package and manifest (reduced to nothing when
     * the skill is quarantined). Read under the home's lock, which is let go before anything runs.
     */
    record Installed(JsonNode entry, SkillPackage pkg, Manifest manifest, boolean quarantined) {
        static Installed read(CommandSpec spec, HomeOptions homeOptions, String name) throws Exception {
            JsonNode e;
            byte[] stored;
            // The home's lock only while reading what is installed: a skill may run long, and writes nothing there.
            try (HomeLock lock = HomeLock.acquireIfExists(homeOptions.resolveHome(), spec.commandLine().getErr())) {
                SkillStore store = new SkillStore(homeOptions.open());
                e = store.entry(name);
                if (e == null) {
                    throw CliException.usage(name + " is not installed (carapace skill install " + name + ")");
                }
                stored = store.loadPackage(e.path("digest").asString());
            }
            SkillPackage pkg = SkillPackage.read(stored);
            Manifest m = SkillPermissions.parse(pkg.manifest());
            boolean quarantined = e.path("quarantined").asBoolean(true); // a damaged entry runs with nothing
            return new Installed(e, pkg, quarantined ? quarantine(m) : m, quarantined);
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            footer = {"", "Exit codes: the skill's own exit code; " + SandboxCommand.VIOLATION + " when the sandbox"
                    + " stopped or refused it; 1 when the stored package fails its pin; 2 usage; 3 I/O."},
            description = "Run an installed skill in the sandbox with its granted permissions and the folders bound at install.")
    static final class Run implements Callable<Integer>, HomeLock.PerStep {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--dir", paramLabel = "GUEST=HOST",
                description = "Bind a host folder to a granted directory for this run (instead of the folder bound at"
                        + " install); repeatable.")
        List<String> dirs = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the skill (after --).")
        List<String> args = new ArrayList<>();

        @Option(names = "--secret", paramLabel = "NAME[=VALUE]",
                description = "Provide a declared secret; without =VALUE it is read from the environment (repeatable).")
        List<String> secrets = new ArrayList<>();

        @Option(names = "--env", paramLabel = "NAME=VALUE",
                description = "An environment variable for the skill; its manifest must declare NAME in"
                        + " permissions.env (repeatable). Recorded in the audit log: never put a secret here.")
        List<String> env = new ArrayList<>();

        @Option(names = "--entrypoint", paramLabel = "NAME", defaultValue = "main")
        String entrypoint;

        @Option(names = "--audit-log", paramLabel = "FILE", description = "Append the sandbox's audit records to FILE.")
        Path auditLog;

        @Override
        public Integer call() throws Exception {
            Installed inst = Installed.read(spec, homeOptions, name);
            JsonNode e = inst.entry();
            SkillPackage pkg = inst.pkg();
            Manifest m = inst.manifest();
            boolean quarantined = inst.quarantined();
            if (quarantined) {
                if (!secrets.isEmpty()) {
                    throw CliException.usage(name + " is quarantined (unsigned): it gets no secrets");
                }
                if (!dirs.isEmpty()) {
                    throw CliException.usage("a quarantined skill gets no folders: drop --dir");
                }
                spec.commandLine().getErr().println("carapace: " + name + " is unsigned and runs quarantined: no network,"
                        + " no secrets, no folders");
            }
            Sandbox.Bindings b = Sandbox.Bindings.none().withArgs(args);
            if (!quarantined) {
                Map<String, String> bound = new LinkedHashMap<>();
                e.path("dirs").properties().forEach(d -> bound.put(d.getKey(), d.getValue().asString()));
                bound.putAll(parseDirs(dirs, m));
                for (var d : bound.entrySet()) {
                    b = b.withDir(d.getKey(), Path.of(d.getValue()));
                }
            }
            b = SandboxCommand.withSecrets(b, m, secrets);
            b = SandboxCommand.withEnv(b, m, env);
            // A signed skill was verified at install and runs compiled; an unsigned one stays on the interpreter.
            Engine engine = quarantined ? Engine.INTERPRETER : Engine.COMPILED;
            if (engine == Engine.COMPILED) {
                SandboxCommand.openCompiledStore(spec, homeOptions.resolveHome().resolve("compiled"));
            }
            return SandboxCommand.runAndReport(spec, module(pkg), m, entrypoint, b, auditLog, engine);
        }
    }

    // --- offline -------------------------------------------------------------------------------------------------

    @Command(name = "fetch", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify a version and save it with a bundle of everything needed to verify it offline: the"
                    + " statements as C2SP tlog-proofs (with the checkpoint) and the signers' key histories."})
    static final class Fetch implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME@VERSION")
        String target;

        @Option(names = "--out", required = true, paramLabel = "PKG")
        Path out;

        @Option(names = "--bundle", required = true, paramLabel = "BUNDLE")
        Path bundle;

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, true);
            Conn c = Conn.open(access.homeOptions.open(), access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), true);
            ObjectNode b = Hubs.verified(c.hub(), () -> c.verifier().bundle(v));
            SecureFiles.writeAtomic(out, v.packageBytes());
            SecureFiles.writeAtomic(bundle, (Json.pretty(b) + "\n").getBytes(StandardCharsets.UTF_8));
            print(spec, "wrote " + out + " and " + bundle + " (" + (2 + v.attestations().size()) + " log proofs)\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify a package against its bundle with no network access: signatures against the key"
                    + " histories, log proofs against the log key pinned in this home (or --log-key), revocation and"
                    + " namespace ownership."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        LogTrustOptions trust;

        @Parameters(index = "0", paramLabel = "PKG")
        Path pkg;

        @Option(names = "--bundle", required = true, paramLabel = "BUNDLE")
        Path bundle;

        @Option(names = "--log-key", paramLabel = "VKEY", description = "The log's key, if this home has not pinned it.")
        String logKey;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        /** Verifies PKG against BUNDLE with no network access, or fails with the step that failed. */
        static SkillVerifier.Verified offline(byte[] pkg, Path bundle, String logKey, Home home, LogTrustOptions trust)
                throws IOException {
            JsonNode b;
            try {
                b = Json.parse(Files.readAllBytes(bundle));
            } catch (CryptoException e) {
                throw CliException.verification(bundle + ": " + e.getMessage());
            }
            NoteVerifier key;
            try {
                NoteVerifier claimed = NoteVerifier.parse(b.path("logKey").asString(""));
                if (logKey != null) {
                    key = NoteVerifier.parse(logKey);
                } else {
                    TrustedLogs.State s = LogTrustOptions.store(home).load(claimed.name());
                    if (s == null) {
                        throw CliException.usage("this home has never met log " + claimed.name()
                                + "; pass --log-key VKEY from a source you trust");
                    }
                    key = s.key();
                }
            } catch (CryptoException e) {
                throw CliException.verification("bad log key: " + e.getMessage());
            }
            try {
                return SkillVerifier.verifyBundle(pkg, b, key, trust.witnesses(), trust.quorum());
            } catch (SkillVerificationException e) {
                throw CliException.verification("verification failed at step " + e.step().name().toLowerCase(Locale.ROOT)
                        + ": " + e.getMessage());
            }
        }

        @Override
        public Integer call() throws Exception {
            SkillVerifier.Verified v = offline(Files.readAllBytes(pkg), bundle, logKey, homeOptions.open(), trust);
            if (json) {
                ObjectNode o = Json.object();
                o.put("valid", true);
                o.put("name", v.name());
                o.put("version", v.version());
                o.put("digest", v.digest());
                o.put("publisher", v.publisher());
                o.put("logIndex", v.publishIndex());
                o.put("namespaceLogIndex", v.namespaceIndex());
                o.put("statements", v.attestations().size());
                print(spec, Json.compact(o) + "\n");
                return ExitCodes.OK;
            }
            print(spec, "verified " + v.name() + "@" + v.version() + " sha256 " + v.digest() + " by " + v.publisher()
                    + " (publication at log index " + v.publishIndex() + ", namespace claim at " + v.namespaceIndex()
                    + ", " + v.attestations().size() + " statement(s), not revoked)\n");
            return ExitCodes.OK;
        }
    }
}
