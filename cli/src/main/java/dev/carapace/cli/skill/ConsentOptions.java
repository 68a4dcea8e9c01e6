package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.cli.Terminal;
import dev.carapace.client.skills.InstallPlan;
import dev.carapace.client.skills.InstallPolicy;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Consent: a policy file, --yes, or a person at a terminal; nothing else. Whether it is needed and what the policy
 * says is the plan's decision ({@link InstallPlan#consent()}); this shows the prompt and asks.
 */
final class ConsentOptions {
    @Option(names = "--yes", description = "Consent to the permissions shown without asking.")
    boolean yes;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Consent by policy (JSON: requireAudits, maxPermissions, allowConfusable), for agents.")
    Path policy;

    /** How consent may be given here: the policy file if given (it wins over --yes), else --yes, else a person. */
    InstallPlan.ConsentBy by() throws IOException {
        if (policy != null) {
            try {
                return new InstallPlan.ConsentBy.Policy(InstallPolicy.parse(Files.readAllBytes(policy)));
            } catch (InstallPolicy.InvalidPolicyException e) {
                throw CliException.config("policy " + policy + ": " + e.getMessage());
            }
        }
        return yes ? new InstallPlan.ConsentBy.InAdvance() : new InstallPlan.ConsentBy.Person();
    }

    /**
     * Returns normally only with consent (or when the plan needs none); otherwise fails, having printed what would
     * have been granted.
     */
    void obtain(CommandSpec spec, String prompt, InstallPlan plan) {
        if (plan.consent() instanceof InstallPlan.Consent.NotNeeded) {
            return;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(prompt);
        out.flush();
        switch (plan.consent()) {
            case InstallPlan.Consent.NotNeeded n -> { }
            case InstallPlan.Consent.ByPolicy p -> out.println("consent: policy " + policy);
            case InstallPlan.Consent.RefusedByPolicy r -> throw CliException.verification("the policy " + policy
                    + " refuses: " + String.join("; ", r.reasons()));
            case InstallPlan.Consent.InAdvance a -> out.println("consent: --yes");
            case InstallPlan.Consent.AskPerson a -> ask();
        }
    }

    private static void ask() {
        Console console = Terminal.console();
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
