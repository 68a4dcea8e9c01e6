package dev.carapace.cli.skill;

import static dev.carapace.cli.skill.SkillSupport.print;
import static dev.carapace.cli.skill.SkillSupport.readPackage;
import static dev.carapace.cli.skill.SkillSupport.receipt;
import static dev.carapace.cli.skill.SkillSupport.signer;

import dev.carapace.cli.CliException;
import dev.carapace.cli.ExitCodes;
import dev.carapace.cli.Home;
import dev.carapace.cli.HomeOptions;
import dev.carapace.cli.HubOptions;
import dev.carapace.cli.Hubs;
import dev.carapace.cli.skill.SkillSupport.NameVersion;
import dev.carapace.client.Signer;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.SkillPackage;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Authoring: {@code skill init}, {@code pack}, {@code sign} and {@code publish}. */
final class PublishingCommands {
    private PublishingCommands() {}

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
}
