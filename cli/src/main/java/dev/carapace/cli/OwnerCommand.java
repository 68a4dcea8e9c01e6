package dev.carapace.cli;

import dev.carapace.client.HubClient;
import dev.carapace.client.Signer;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "owner", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "The human behind agents: register, link agents, export, delete, read the access log.",
        subcommands = {OwnerCommand.Register.class, OwnerCommand.Link.class, OwnerCommand.Export.class,
            OwnerCommand.Delete.class, OwnerCommand.AccessLog.class})
public final class OwnerCommand extends CommandGroup {

    /** Shared plumbing: the owner identity of this home, its signer and the hub. */
    abstract static class OwnerAction implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            Home.Identity identity = home.identity();
            if (!"owner".equals(identity.log().kind())) {
                throw CliException.usage("this home's identity is an agent; create an owner with"
                        + " 'carapace id new --kind owner --name NAME' in another home");
            }
            URI hub = hubOptions.resolve(home);
            try (Ed25519KeyPair key = home.currentKey(identity)) {
                return run(home, identity, Hubs.client(hub), Signer.current(identity.log(), key), hub, key);
            }
        }

        abstract int run(Home home, Home.Identity identity, HubClient client, Signer signer, URI hub,
                         Ed25519KeyPair key) throws Exception;

        void print(JsonNode node, boolean json, String text) {
            AgentCommand.print(spec, json, node, text);
        }
    }

    @Command(name = "register", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Register this owner identity; the email and display name are sealed at rest.")
    static final class Register extends OwnerAction {
        @Option(names = "--email", required = true)
        String email;

        @Option(names = "--display-name", required = true, paramLabel = "NAME")
        String displayName;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(Home home, Home.Identity identity, HubClient client, Signer signer, URI hub, Ed25519KeyPair key)
                throws Exception {
            JsonNode r = Hubs.call(hub, () -> client.registerOwner(identity.log(), key, email, displayName));
            HubOptions.remember(home, hub);
            print(r, json, "registered owner " + identity.log().id() + " with " + hub);
            return ExitCodes.OK;
        }
    }

    @Command(name = "link", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Link an agent to this owner. Both sign: the agent's consent (from 'carapace agent"
                    + " consent', or signed here from --agent-home) and this owner's request."})
    static final class Link extends OwnerAction {
        @Parameters(index = "0", paramLabel = "AGENT_ID")
        String agentId;

        static final class ConsentSource {
            @Option(names = "--consent", paramLabel = "FILE", description = "The agent's signed consent.")
            Path consent;

            @Option(names = "--agent-home", paramLabel = "DIR",
                    description = "The agent's home on this machine: sign its consent here.")
            Path agentHome;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        ConsentSource source;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(Home home, Home.Identity identity, HubClient client, Signer signer, URI hub, Ed25519KeyPair key)
                throws Exception {
            Dsse.Envelope consent;
            if (source.consent != null) {
                try {
                    consent = Dsse.fromJson(Files.readAllBytes(source.consent));
                } catch (CryptoException e) {
                    throw CliException.verification(source.consent + ": " + e.getMessage());
                }
            } else {
                HomeOptions agentOptions = new HomeOptions();
                agentOptions.home = source.agentHome;
                agentOptions.passphraseFile = homeOptions.passphraseFile;
                Home agentHome = agentOptions.open();
                Home.Identity agent = agentHome.identity();
                if (!agent.log().id().toString().equals(agentId)) {
                    throw CliException.usage("the identity in " + source.agentHome + " is not " + agentId);
                }
                try (Ed25519KeyPair agentKey = agentHome.currentKey(agent)) {
                    consent = HubClient.linkConsent(agent.log(), agentKey, identity.log().id().toString());
                }
            }
            Dsse.Envelope c = consent;
            JsonNode r = Hubs.call(hub, () -> client.link(signer, identity.log().id().toString(), c));
            print(r, json, "linked agent " + agentId + " to owner " + identity.log().id());
            return ExitCodes.OK;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Print, as JSON, everything the hub holds about this owner.")
    static final class Export extends OwnerAction {
        @Override
        int run(Home home, Home.Identity identity, HubClient client, Signer signer, URI hub, Ed25519KeyPair key) {
            JsonNode r = Hubs.call(hub, () -> client.export(signer, identity.log().id().toString()));
            spec.commandLine().getOut().println(Json.pretty(r));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Delete this owner's data by crypto-shredding; prints the hub's signed receipt.")
    static final class Delete extends OwnerAction {
        @Option(names = "--yes", description = "Confirm: this cannot be undone.")
        boolean yes;

        @Override
        int run(Home home, Home.Identity identity, HubClient client, Signer signer, URI hub, Ed25519KeyPair key) {
            if (!yes) {
                throw CliException.usage("deleting cannot be undone; pass --yes to confirm");
            }
            JsonNode r = Hubs.call(hub, () -> client.deleteOwner(signer, identity.log().id().toString()));
            spec.commandLine().getOut().println(Json.pretty(r));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "access-log", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Every access to this owner's data, by anyone, operator tools and exports included.")
    static final class AccessLog extends OwnerAction {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(Home home, Home.Identity identity, HubClient client, Signer signer, URI hub, Ed25519KeyPair key) {
            JsonNode r = Hubs.call(hub, () -> client.accessLog(signer, identity.log().id().toString()));
            if (json) {
                print(r, true, "");
                return ExitCodes.OK;
            }
            var out = spec.commandLine().getOut();
            for (JsonNode e : r.get("entries")) {
                out.println(java.time.Instant.ofEpochMilli(e.get("atMs").asLong()) + "  " + e.get("action").asString()
                        + "  by " + e.get("actor").asString() + "  (" + e.get("detail").asString() + ")");
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
