package dev.carapace.cli;

import dev.carapace.client.LogMonitor;
import dev.carapace.client.reputation.ReputationClient;
import dev.carapace.crypto.AgentId;
import dev.carapace.crypto.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "rep", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Reputation: scores computed from the hub's transparency log (docs/reputation.md).",
        subcommands = {RepCommand.Show.class, RepCommand.Verify.class})
public final class RepCommand extends CommandGroup {

    @Command(name = "show", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"An identity's score as the hub serves it: trust, score (parts per billion of all seeded"
                    + " trust), standing, tier and each factor with the log indexes behind it. 'rep verify' checks"
                    + " it against the log."})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (!AgentId.isValid(id)) {
                throw CliException.usage("not an identity id: " + id);
            }
            Home home = homeOptions.open();
            java.net.URI hub = hubOptions.resolve(home);
            JsonNode r;
            try {
                r = new ReputationClient(Hubs.client(hub)).show(id);
            } catch (java.io.IOException | dev.carapace.client.HubException e) {
                throw Hubs.failure(hub, e);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.pretty(r));
            } else {
                out.println(r.path("id").asString() + ": score " + r.path("score").asLong() + " ppb (trust "
                        + r.path("trust").asLong() + "), " + (r.path("standing").asBoolean() ? "standing" : "no standing")
                        + ", tier " + (r.path("tier").isNull() ? "none (not registered here)" : r.path("tier").asString()));
                if (!r.path("principal").asString().equals(r.path("id").asString())) {
                    out.println("  counts as owner " + r.path("principal").asString());
                }
                out.println("  as of log size " + r.path("logSize").asLong() + ", " + java.time.Instant.ofEpochMilli(
                        r.path("asOfMs").asLong()));
                for (JsonNode f : r.path("factors")) {
                    List<String> idx = new ArrayList<>();
                    f.path("logIndexes").forEach(i -> idx.add(i.asString()));
                    out.println(String.format(Locale.ROOT, "  %-12s %20d  %s%s", f.path("kind").asString(),
                            f.path("trust").asLong(), f.path("text").asString(),
                            idx.isEmpty() ? "" : " [log " + String.join(", ", idx) + "]"));
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Rebuild every score from the log: download every entry, check the entries hash to a"
                    + " checkpoint verified as 'log monitor' does, recompute with the parameters, log size and time"
                    + " the hub declares, and compare with every score it serves.",
                "Exit 0 when all agree; 1 with each difference printed as evidence (the served and computed trust"
                        + " and the computed factors with their log indexes)."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Option(names = "--trust-seed", paramLabel = "ID",
                description = "A seed you expect the hub to use; repeatable. A hub using other seeds fails.")
        List<String> expectedSeeds = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            for (String s : expectedSeeds) {
                if (!AgentId.isValid(s)) {
                    throw CliException.usage("--trust-seed takes an identity id: " + s);
                }
            }
            LogTrustOptions.Access.Connected log = access.connect();
            LogMonitor monitor = new LogMonitor(log.client(), log.verifier(), LogTrustOptions.store(log.home()));
            ReputationClient.Verification v = Hubs.verified(log.hub(), () -> new ReputationClient(log.client())
                    .verify(monitor, expectedSeeds, System.currentTimeMillis()));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.pretty(ReputationClient.toJson(v)));
            } else {
                out.println("log size " + v.served().logSize() + " (checkpoint " + v.checkpointSize() + "), as of "
                        + java.time.Instant.ofEpochMilli(v.served().asOfMs()) + ", seeds "
                        + v.served().parameters().seeds());
                for (String p : v.problems()) {
                    out.println("PROBLEM: " + p);
                }
                for (ReputationClient.Difference d : v.differences()) {
                    out.println("DIFFERENCE " + d.id() + ": the hub serves " + (d.served() == null ? "no score"
                            : "trust " + d.served()) + ", the log gives trust " + d.computed());
                    for (var f : d.explanation().factors()) {
                        out.println("  " + f.kind() + " " + f.trust() + ": " + f.text()
                                + (f.logIndexes().isEmpty() ? "" : " [log " + f.logIndexes() + "]"));
                    }
                }
                out.println(v.ok() ? "verified: " + v.identities() + " score(s) match the log"
                        : "NOT VERIFIED: " + v.differences().size() + " difference(s), " + v.problems().size()
                        + " problem(s)");
            }
            out.flush();
            return v.ok() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
        }
    }
}
