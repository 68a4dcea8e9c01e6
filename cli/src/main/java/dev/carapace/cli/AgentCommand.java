package dev.carapace.cli;

import dev.carapace.client.HubClient;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "agent", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Register this agent with a hub, and consent to an owner.",
        subcommands = {AgentCommand.Register.class, AgentCommand.Consent.class})
public final class AgentCommand extends CommandGroup {

    @Command(name = "register", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Register this home's agent identity (its key event log) with the hub; the request is"
                    + " signed by the current key, which proves possession.")
    static final class Register implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Home.Identity identity = home.identity();
            if (!"agent".equals(identity.log().kind())) {
                throw CliException.usage("this identity is an owner; use 'carapace owner register'");
            }
            URI hub = hubOptions.resolve(home);
            try (Ed25519KeyPair key = home.currentKey(identity)) {
                JsonNode r = Hubs.call(hub, () -> Hubs.client(hub).register(identity.log(), key));
                HubOptions.remember(home, hub);
                ChatCommand.publishFirstSupply(home, hub, spec.commandLine().getErr()); // so others can invite it
                print(spec, json, r, "registered agent " + identity.log().id() + " with " + hub);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "consent", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Sign this agent's consent to be claimed by OWNER_ID (valid 10 minutes); the owner passes"
                    + " it to 'carapace owner link'.")
    static final class Consent implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Parameters(index = "0", paramLabel = "OWNER_ID")
        String ownerId;

        @Option(names = "--out", required = true, paramLabel = "FILE")
        Path out;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Home.Identity identity = home.identity();
            try (Ed25519KeyPair key = home.currentKey(identity)) {
                Dsse.Envelope env = HubClient.linkConsent(identity.log(), key, ownerId);
                SecureFiles.writeAtomic(out, (Json.pretty(env.toJson()) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            spec.commandLine().getOut().println("consent for " + ownerId + " written to " + out);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    static void print(CommandSpec spec, boolean json, JsonNode node, String text) {
        spec.commandLine().getOut().println(json ? Json.compact(node) : text);
        spec.commandLine().getOut().flush();
    }
}
