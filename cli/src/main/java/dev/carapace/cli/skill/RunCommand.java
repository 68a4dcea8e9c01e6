package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.cli.HomeLock;
import dev.carapace.cli.HomeOptions;
import dev.carapace.cli.SandboxCommand;
import dev.carapace.sandbox.Engine;
import dev.carapace.sandbox.Sandbox;
import dev.carapace.skills.Manifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code skill run}: an installed skill, in the sandbox, with what it was granted. */
final class RunCommand {
    private RunCommand() {}

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
            InstalledSkill inst = InstalledSkill.read(spec, homeOptions, name);
            JsonNode e = inst.entry();
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
                bound.putAll(SandboxCommand.parseDirs(dirs, m));
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
            return SandboxCommand.runAndReport(spec, inst.module(), m, entrypoint, b, auditLog, engine);
        }
    }
}
