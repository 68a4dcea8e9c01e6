package dev.carapace.cli;

import dev.carapace.client.WitnessFollower;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.Keystore;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.tlog.Cosigner;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.Witness;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "witness", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = {"Run a transparency-log witness (C2SP tlog-cosignature): it follows a hub's log, checks each"
                + " new checkpoint for consistency with the last one it cosigned, cosigns, and hands the cosignature"
                + " back to the hub. A fork or rollback is refused and reported, never cosigned.",
            "The witness key lives in witness/ of the home folder, encrypted with the passphrase."},
        subcommands = {WitnessCommand.Init.class, WitnessCommand.Vkey.class, WitnessCommand.Run.class})
public final class WitnessCommand extends CommandGroup {

    static Path dir(Home home) {
        return home.dir().resolve("witness");
    }

    @Command(name = "init", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Create the witness key and print its verifier key, for hub operators' --witness.")
    static final class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--name", required = true, description = "The witness's name, e.g. witness.example.org/w1.")
        String name;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Path dir = dir(home);
            if (Files.exists(dir.resolve("witness.json"))) {
                throw CliException.config("a witness already exists in " + dir);
            }
            Ed25519KeyPair key = Ed25519KeyPair.generate();
            Cosigner cosigner;
            try {
                cosigner = new Cosigner(name, key.publicKey());
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--name: " + e.getMessage());
            }
            Files.createDirectories(dir);
            // The keystore format holds a current and a next key; a witness signs with the current one only.
            try (Keystore.Keys keys = new Keystore.Keys(key.seed(), Ed25519KeyPair.generate().seed())) {
                Keystore.write(dir.resolve("key.json"), "witness:" + name, keys, home.passphrase(true),
                        Keystore.KdfParams.DEFAULT);
            }
            ObjectNode o = Json.object();
            o.put("name", name);
            o.put("vkey", cosigner.encode());
            SecureFiles.writeAtomic(dir.resolve("witness.json"), (Json.pretty(o) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            spec.commandLine().getOut().println(cosigner.encode());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "vkey", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Print the witness's verifier key.")
    static final class Vkey implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println(load(homeOptions.open()).encode());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    static Cosigner load(Home home) throws IOException {
        Path f = dir(home).resolve("witness.json");
        if (!Files.exists(f)) {
            throw CliException.config("no witness in " + dir(home) + " (create one with: carapace witness init"
                    + " --name NAME)");
        }
        try {
            JsonNode n = Json.parse(Files.readAllBytes(f));
            return Cosigner.parse(Json.text(n, "vkey"));
        } catch (CryptoException e) {
            throw CliException.config(f + " is damaged: " + e.getMessage());
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Follow the hub's log and cosign each consistent checkpoint.",
                "Exits 1 if the log forks or rolls back what this witness cosigned."})
    static final class Run implements Callable<Integer>, HomeLock.PerStep {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Option(names = "--log-key", required = true, paramLabel = "VKEY",
                description = "The log's verifier key (from the hub's /.well-known/carapace, checked out of band).")
        String logKey;

        @Option(names = "--once", description = "Cosign the current checkpoint, then exit.")
        boolean once;

        @Option(names = "--interval", defaultValue = "5", paramLabel = "SECONDS",
                description = "Seconds between polls (default: ${DEFAULT-VALUE}).")
        int interval;

        @Override
        public Integer call() throws Exception {
            if (interval < 1) {
                throw CliException.usage("--interval must be at least 1 second");
            }
            NoteVerifier log;
            try {
                log = NoteVerifier.parse(logKey);
            } catch (CryptoException e) {
                throw CliException.usage("--log-key: " + e.getMessage());
            }
            Home home = homeOptions.open();
            Cosigner me = load(home);
            URI hub = hubOptions.resolve(home);
            Ed25519KeyPair key;
            try (Keystore.Keys keys = Keystore.read(dir(home).resolve("key.json"), "witness:" + me.name(),
                    home.passphrase(false))) {
                key = keys.current();
            } catch (Keystore.KeystoreException e) {
                throw CliException.config(e.getMessage());
            }
            if (!key.publicKey().equals(me.key())) {
                throw CliException.config("the witness key does not match " + dir(home).resolve("witness.json"));
            }
            // One state file per log: the last checkpoint this witness cosigned for it.
            byte[] h = Bytes.sha256(log.name().getBytes(StandardCharsets.UTF_8));
            Path state = dir(home).resolve("state-" + HexFormat.of().formatHex(h, 0, 8) + ".json");
            Witness witness = new Witness(me.name(), key, log, state);
            WitnessFollower follower = new WitnessFollower(Hubs.client(hub), witness, Clock.systemUTC());
            var out = spec.commandLine().getOut();
            out.println("witness " + me.name() + " following " + log.name() + " at " + hub);
            out.flush();
            while (true) {
                try {
                    WitnessFollower.Step step;
                    // The home's lock around each step only, so other commands may use the home meanwhile.
                    try (HomeLock lock = HomeLock.acquire(home.dir(), spec.commandLine().getErr())) {
                        step = Hubs.verified(hub, follower::step);
                    }
                    switch (step.outcome()) {
                        case COSIGNED -> out.println("cosigned checkpoint " + step.size());
                        case BEHIND -> out.println("the hub serves size " + step.size()
                                + ", behind what this witness cosigned; waiting");
                        case UP_TO_DATE -> { }
                    }
                    out.flush();
                } catch (CliException e) {
                    if (once || e.exitCode() == ExitCodes.VERIFICATION_FAILED) {
                        throw e;
                    }
                    spec.commandLine().getErr().println("carapace: " + e.getMessage() + " (retrying)");
                    spec.commandLine().getErr().flush();
                }
                if (once) {
                    return ExitCodes.OK;
                }
                Thread.sleep(interval * 1000L);
            }
        }
    }
}
