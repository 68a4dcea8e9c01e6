package dev.carapace.cli;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KelException;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.Keystore;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "id", mixinStandardHelpOptions = true,
        description = "Create, show, export and rotate this home's identity.",
        footer = {"", ExitCodes.HELP},
        subcommands = {IdCommand.New.class, IdCommand.Show.class, IdCommand.Export.class, IdCommand.Rotate.class,
            IdCommand.RecoveryKit.class, IdCommand.Recover.class})
public final class IdCommand extends CommandGroup {

    @Command(name = "new", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Create an identity: a signing key, a committed next key, and the inception event.")
    static final class New implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--name", required = true, description = "A local name for this identity.")
        String name;

        @Option(names = "--kind", defaultValue = "agent", description = "agent or owner (default: ${DEFAULT-VALUE}).")
        String kind;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            if (!kind.equals("agent") && !kind.equals("owner")) {
                throw CliException.usage("--kind must be agent or owner");
            }
            Home home = homeOptions.open();
            // The home may not exist yet, so the command line did not lock it: lock it now (creating it).
            try (HomeLock lock = HomeLock.acquire(home.dir(), spec.commandLine().getErr())) {
                return create(home);
            }
        }

        private int create(Home home) throws IOException {
            if (home.hasIdentity()) {
                throw CliException.config("an identity already exists in " + home.dir()
                        + " (use --home or $CARAPACE_HOME for another)");
            }
            char[] pass = home.passphrase(true);
            try (Ed25519KeyPair current = Ed25519KeyPair.generate(); Ed25519KeyPair next = Ed25519KeyPair.generate()) {
                KeyEventLog log = KeyEventLog.incept(kind, current, next.publicKey(), System.currentTimeMillis());
                try (Keystore.Keys keys = new Keystore.Keys(current.seed(), next.seed())) {
                    home.save(name, log, keys, pass);
                }
                Show.print(spec, name, log, json);
            } finally {
                Arrays.fill(pass, '\0');
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Show the identity: id, kind, current key and key event count.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--json", description = "Print JSON (has an \"id\" field).")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Home.Identity identity = homeOptions.open().identity();
            print(spec, identity.name(), identity.log(), json);
            return ExitCodes.OK;
        }

        static void print(CommandSpec spec, String name, KeyEventLog log, boolean json) {
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = Json.object();
                o.put("id", log.id().toString());
                o.put("name", name);
                o.put("kind", log.kind());
                o.put("keyId", log.currentKeyId());
                o.put("key", log.currentKey().b64url());
                o.put("events", log.events().size());
                out.println(Json.compact(o));
            } else {
                out.println("id:     " + log.id());
                out.println("name:   " + name);
                out.println("kind:   " + log.kind());
                out.println("key:    " + log.currentKey() + " (" + log.currentKeyId() + ")");
                out.println("events: " + log.events().size() + " (rotations: " + (log.events().size() - 1) + ")");
            }
            out.flush();
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Print the identity document (the signed key event log) as JSON on stdout.")
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Override
        public Integer call() throws IOException {
            KeyEventLog log = homeOptions.open().identity().log();
            spec.commandLine().getOut().println(Json.pretty(log.toJson()));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Rotate the signing key: the committed next key becomes current and a new next key is "
                    + "committed to. The id stays the same.",
                "Signatures by the old key stop verifying against the identity."})
    static final class Rotate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Home.Identity identity = home.identity();
            char[] pass = home.passphrase(false);
            try (Keystore.Keys keys = readKeys(home, identity, pass);
                 Ed25519KeyPair newCurrent = keys.next();
                 Ed25519KeyPair newNext = Ed25519KeyPair.generate()) {
                KeyEventLog rotated;
                try {
                    rotated = identity.log().rotate(newCurrent, newNext.publicKey(), System.currentTimeMillis());
                } catch (KelException e) {
                    throw CliException.config("cannot rotate: " + e.getMessage());
                }
                try (Keystore.Keys updated = new Keystore.Keys(newCurrent.seed(), newNext.seed())) {
                    home.save(identity.name(), rotated, updated, pass);
                }
                Show.print(spec, identity.name(), rotated, json);
                publish(home, rotated, newCurrent, json);
            } finally {
                Arrays.fill(pass, '\0');
            }
            return ExitCodes.OK;
        }

        /** Tells the hub this identity registered with, so the old key stops counting there at once. */
        private void publish(Home home, KeyEventLog rotated, Ed25519KeyPair key, boolean json) throws IOException {
            String remembered = HubOptions.remembered(home);
            if (remembered == null) {
                return;
            }
            java.net.URI hub = java.net.URI.create(remembered);
            Hubs.call(hub, () -> Hubs.client(hub).publishKeyEvents(rotated, key));
            if (!json) {
                spec.commandLine().getOut().println("published the rotation to " + hub);
            }
        }

        private static Keystore.Keys readKeys(Home home, Home.Identity identity, char[] pass) throws IOException {
            try {
                return Keystore.read(home.keystoreFile(), identity.log().id().toString(), pass);
            } catch (Keystore.KeystoreException e) {
                throw CliException.config(e.getMessage());
            }
        }
    }

    @Command(name = "recovery-kit", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Write a recovery kit: the committed next key alone, encrypted under the passphrase.",
                "Keep it apart from this machine. With it, 'carapace id recover' restores the identity after the "
                        + "keystore is lost. A rotation spends it: make a new kit after each 'id rotate'."})
    static final class RecoveryKit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--out", required = true, paramLabel = "FILE")
        java.nio.file.Path out;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Home.Identity identity = home.identity();
            char[] pass = home.passphrase(false);
            try (Keystore.Keys keys = Keystore.read(home.keystoreFile(), identity.log().id().toString(), pass);
                 Keystore.Keys kit = Keystore.Keys.recovery(keys.next().seed())) {
                Keystore.write(out, identity.log().id().toString(), kit, pass, Keystore.KdfParams.DEFAULT);
            } catch (Keystore.KeystoreException e) {
                throw CliException.config(e.getMessage());
            } finally {
                Arrays.fill(pass, '\0');
            }
            spec.commandLine().getOut().println("recovery kit for " + identity.log().id() + " written to " + out);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Recover an identity whose keystore is lost: rotate to the key in the recovery kit and "
                    + "write a new keystore. The id stays the same; the lost key stops counting."})
    static final class Recover implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--kit", required = true, paramLabel = "FILE", description = "The recovery kit.")
        java.nio.file.Path kit;

        @Option(names = "--identity", paramLabel = "DOC",
                description = "The identity document, when this home has lost it too.")
        java.nio.file.Path document;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            String name;
            KeyEventLog log;
            if (document != null) {
                log = home.resolveIdentity(document.toString());
                name = home.hasIdentity() ? home.identity().name() : "recovered";
            } else {
                Home.Identity identity = home.identity();
                name = identity.name();
                log = identity.log();
            }
            char[] pass = home.passphrase(false);
            try (Keystore.Keys kitKeys = Keystore.read(kit, log.id().toString(), Keystore.Purpose.RECOVERY, pass);
                 Ed25519KeyPair recovered = kitKeys.next();
                 Ed25519KeyPair newNext = Ed25519KeyPair.generate()) {
                KeyEventLog rotated;
                try {
                    rotated = log.rotate(recovered, newNext.publicKey(), System.currentTimeMillis());
                } catch (KelException e) {
                    throw CliException.verification("the kit does not hold the key this identity committed to"
                            + " (spent by a later rotation?): " + e.getMessage());
                }
                try (Keystore.Keys keys = new Keystore.Keys(recovered.seed(), newNext.seed())) {
                    home.save(name, rotated, keys, pass);
                }
                Show.print(spec, name, rotated, json);
                if (!json) {
                    spec.commandLine().getOut().println("The kit is now spent: write a new one with "
                            + "'carapace id recovery-kit'.");
                }
            } catch (Keystore.KeystoreException e) {
                throw CliException.config(e.getMessage());
            } finally {
                Arrays.fill(pass, '\0');
            }
            return ExitCodes.OK;
        }
    }
}
