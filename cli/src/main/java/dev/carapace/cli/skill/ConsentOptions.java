package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.cli.Terminal;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.skills.Manifest;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Consent: a policy file, --yes, or a person at a terminal; nothing else. */
final class ConsentOptions {
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
