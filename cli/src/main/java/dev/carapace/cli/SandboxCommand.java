package dev.carapace.cli;

import dev.carapace.crypto.Json;
import dev.carapace.sandbox.AuditLog;
import dev.carapace.sandbox.Engine;
import dev.carapace.sandbox.Sandbox;
import dev.carapace.sandbox.SandboxException;
import dev.carapace.skills.Manifest;
import dev.carapace.skills.ManifestException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "sandbox", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Run WebAssembly skills under their manifest; verify sandbox audit logs.",
        subcommands = {SandboxCommand.Run.class, SandboxCommand.VerifyAudit.class})
public final class SandboxCommand extends CommandGroup {
    /** Exit code when the sandbox stopped or refused the skill (a limit, a capability, admission, a trap). */
    public static final int VIOLATION = 125;

    @Command(name = "run", mixinStandardHelpOptions = true,
            footer = {"", "Exit codes: the skill's own exit code when it ends by itself; " + VIOLATION
                    + " when the sandbox stopped or refused it (one line on stderr names the limit or capability);"
                    + " 2 usage (including a --dir, --secret or --env the manifest does not declare); 3 I/O or"
                    + " configuration."},
            description = {"Run one entrypoint of a WebAssembly module with the permissions and limits of its"
                    + " manifest. Arguments after -- are passed to the skill."})
    static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "MODULE.wasm")
        Path module;

        @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the skill (after --).")
        List<String> args = new ArrayList<>();

        @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "The skill's manifest.json.")
        Path manifestFile;

        @Option(names = "--dir", paramLabel = "GUEST=HOST",
                description = "Bind a host folder to a directory the manifest grants (repeatable).")
        List<String> dirs = new ArrayList<>();

        @Option(names = "--secret", paramLabel = "NAME[=VALUE]",
                description = "Provide a secret the manifest declares; without =VALUE it is read from the"
                        + " environment variable NAME (repeatable).")
        List<String> secrets = new ArrayList<>();

        @Option(names = "--env", paramLabel = "NAME=VALUE",
                description = "An environment variable for the skill; the manifest must declare NAME in"
                        + " permissions.env (repeatable). Recorded in the audit log: never put a secret here.")
        List<String> env = new ArrayList<>();

        @Option(names = "--audit-log", paramLabel = "FILE",
                description = "Append the hash-chained audit records to FILE (it must verify if it exists).")
        Path auditLog;

        @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "interpreter",
                description = "interpreter (default) or compiled: compile the module to JVM bytecode once per digest"
                        + " (for skills whose signature you verified); a module the compiler cannot handle runs on"
                        + " the interpreter, and the audit log's engine record says which ran.")
        String engine;

        @Option(names = "--entrypoint", paramLabel = "NAME", defaultValue = "main",
                description = "Manifest entrypoint to run (default: ${DEFAULT-VALUE}).")
        String entrypoint;

        @Option(names = "--compiled-store", paramLabel = "DIR",
                description = "With --engine compiled: keep compiled modules in DIR for later runs (default:"
                        + " $CARAPACE_HOME/compiled, else ~/.carapace/compiled; 'none' keeps nothing). Entries are"
                        + " authenticated with a key stored there; a bad one is discarded and the module recompiled.")
        String compiledStore;

        @Override
        public Integer call() throws Exception {
            Engine eng = switch (engine) {
                case "interpreter" -> Engine.INTERPRETER;
                case "compiled" -> Engine.COMPILED;
                default -> throw CliException.usage("--engine must be interpreter or compiled, got '" + engine + "'");
            };
            Manifest manifest;
            try {
                manifest = Manifest.parse(Files.readAllBytes(manifestFile));
            } catch (ManifestException e) {
                throw CliException.config(manifestFile + ": " + e.getMessage());
            }
            Sandbox.Bindings bindings = Sandbox.Bindings.none().withArgs(args);
            for (var d : parseDirs(dirs, manifest).entrySet()) {
                bindings = bindings.withDir(d.getKey(), Path.of(d.getValue()));
            }
            bindings = withSecrets(bindings, manifest, secrets);
            bindings = withEnv(bindings, manifest, env);
            if (eng == Engine.COMPILED && !"none".equals(compiledStore)) {
                openCompiledStore(spec, compiledStore != null ? Path.of(compiledStore)
                        : new HomeOptions().resolveHome().resolve("compiled"));
            }
            return runAndReport(spec, Files.readAllBytes(module), manifest, entrypoint, bindings, auditLog, eng);
        }
    }

    /**
     * {@code --dir GUEST=HOST} options: each GUEST must be a folder the manifest grants; HOST is made absolute.
     */
    public static Map<String, String> parseDirs(List<String> dirs, Manifest m) {
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

    /**
     * Lets compiled modules outlive this process (a cold run then loads instead of compiling). A store that cannot be
     * opened costs only speed: one warning, and the run goes on compiling in memory.
     */
    public static void openCompiledStore(CommandSpec spec, Path dir) {
        try {
            Sandbox.storeCompiledModulesIn(dir);
        } catch (java.io.IOException | RuntimeException e) {
            spec.commandLine().getErr().println("carapace: compiled modules will not be kept (" + dir + ": "
                    + e.getMessage() + ")");
        }
    }

    /**
     * Adds the {@code --secret NAME[=VALUE]} values to the bindings; a secret the manifest does not declare is refused
     * before anything runs, and a value-less one is read from the environment.
     */
    public static Sandbox.Bindings withSecrets(Sandbox.Bindings bindings, Manifest manifest, List<String> secrets) {
        for (String s : secrets) {
            int eq = s.indexOf('=');
            String name = eq < 0 ? s : s.substring(0, eq);
            if (!manifest.permissions().secrets().contains(name)) {
                throw CliException.usage("--secret " + name + " is not declared in the manifest; refusing to run");
            }
            String value = eq < 0 ? System.getenv(name) : s.substring(eq + 1);
            if (value == null) {
                throw CliException.usage("--secret " + name + ": no value given and no environment variable " + name);
            }
            bindings = bindings.withSecret(name, value);
        }
        return bindings;
    }

    /**
     * Adds the {@code --env NAME=VALUE} values to the bindings; a variable the manifest does not declare is refused
     * before anything runs.
     */
    public static Sandbox.Bindings withEnv(Sandbox.Bindings bindings, Manifest manifest, List<String> env) {
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("--env must be NAME=VALUE, got '" + e + "'");
            }
            String name = e.substring(0, eq);
            if (!manifest.permissions().env().contains(name)) {
                throw CliException.usage("--env " + name + " is not declared in the manifest; refusing to run");
            }
            bindings = bindings.withEnv(name, e.substring(eq + 1));
        }
        return bindings;
    }

    /**
     * Runs a module and reports as every sandbox command does: its output passed through, its exit code returned, or
     * one line naming the limit or capability that stopped it and {@link #VIOLATION}.
     */
    public static int runAndReport(CommandSpec spec, byte[] wasm, Manifest manifest, String entrypoint,
                            Sandbox.Bindings bindings, Path auditLog, Engine engine) throws IOException {
        Sandbox.Result r;
        try (AuditLog audit = auditLog == null ? AuditLog.inMemory(OutputStream.nullOutputStream())
                : openAudit(auditLog)) {
            r = Sandbox.run(wasm, manifest, entrypoint, bindings, audit, engine);
        } catch (SandboxException e) {
            throw CliException.config("sandbox: " + e.getMessage() + "; nothing ran");
        }
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        out.print(new String(r.stdout(), StandardCharsets.UTF_8));
        out.flush();
        err.print(new String(r.stderr(), StandardCharsets.UTF_8));
        if (r.violation() != null) {
            err.println("carapace: sandbox: " + r.violation().message());
            err.flush();
            return VIOLATION;
        }
        err.flush();
        return r.exitCode();
    }

    private static AuditLog openAudit(Path file) {
        try {
            return AuditLog.open(file);
        } catch (IOException e) {
            throw CliException.config(e.getMessage());
        }
    }

    @Command(name = "verify-audit", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Check a sandbox audit log's hash chain: any edited, removed or reordered line is found.",
                "Exit 0 when the chain is intact, 1 when it is not (the first bad line is named)."})
    static final class VerifyAudit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            AuditLog.Verification v = AuditLog.verify(file);
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = Json.object();
                o.put("valid", v.valid());
                o.put("records", v.records());
                o.put("firstBadLine", v.firstBadLine());
                o.put("detail", v.detail());
                if (v.valid()) {
                    o.put("head", v.lastLineHash());
                }
                out.println(Json.compact(o));
            } else if (v.valid()) {
                out.println("valid: " + v.records() + " records, head " + v.lastLineHash());
            } else {
                out.println("INVALID: " + v.detail());
            }
            out.flush();
            return v.valid() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
        }
    }
}
