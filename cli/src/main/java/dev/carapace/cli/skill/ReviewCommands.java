package dev.carapace.cli.skill;

import static dev.carapace.cli.skill.SkillSupport.print;
import static dev.carapace.cli.skill.SkillSupport.readPackage;
import static dev.carapace.cli.skill.SkillSupport.receipt;
import static dev.carapace.cli.skill.SkillSupport.scan;
import static dev.carapace.cli.skill.SkillSupport.scanJson;
import static dev.carapace.cli.skill.SkillSupport.signer;

import dev.carapace.cli.CliException;
import dev.carapace.cli.ExitCodes;
import dev.carapace.cli.Home;
import dev.carapace.cli.HomeOptions;
import dev.carapace.cli.HubOptions;
import dev.carapace.cli.Hubs;
import dev.carapace.cli.LogTrustOptions;
import dev.carapace.cli.skill.SkillSupport.Conn;
import dev.carapace.cli.skill.SkillSupport.NameVersion;
import dev.carapace.client.Signer;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Attestations;
import dev.carapace.skills.Scanner;
import dev.carapace.skills.SkillPackage;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** Review: {@code skill scan} and {@code audit}, and the signed statements {@code vouch} and {@code revoke}. */
final class ReviewCommands {
    private ReviewCommands() {}

    static String scanText(Scanner.ScanReport r) {
        StringBuilder b = new StringBuilder("verdict: " + r.verdict() + " (" + r.rulesName() + " " + r.rulesVersion() + ")\n");
        for (Scanner.Finding f : r.findings()) {
            b.append("  ").append(f.severity().name().toLowerCase(Locale.ROOT)).append(' ').append(f.rule()).append(" in ")
                    .append(f.entry()).append(f.offset() == null ? "" : " at " + f.offset()).append(": ")
                    .append(f.message()).append('\n');
        }
        return b.toString();
    }

    @Command(name = "scan", mixinStandardHelpOptions = true,
            footer = {"", "Exit codes: 0 pass or warn, 1 fail (or a package that cannot be read), 2 usage, 3 I/O."},
            description = {"Scan a package with the built-in rules and print the verdict and findings.",
                "The scanner is one signal among several (signatures, audits, vouches, age), never the only gate."})
    static final class Scan implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Parameters(index = "0", paramLabel = "PKG")
        Path pkg;

        @Option(names = "--json", description = "Print {\"verdict\", \"findings\", ...} as JSON.")
        boolean json;

        @Option(names = "--attest", description = "Sign the result as an audit of the published package and add it.")
        boolean attest;

        @Override
        public Integer call() throws Exception {
            SkillPackage p = readPackage(pkg);
            return reportScan(spec, scan(p), json, !attest ? null : r -> {
                Home home = homeOptions.open();
                URI hub = hubOptions.resolve(home);
                JsonNode m = Json.parse(p.manifest());
                Signer signer = signer(home);
                Dsse.Envelope env = Attestations.audit(m.path("name").asString(), m.path("version").asString(),
                        p.digest(), r).sign(signer.keyId(), signer.key());
                return Hubs.call(hub, () -> new SkillsClient(Hubs.client(hub)).attest(signer, env));
            });
        }
    }

    /** Signs a scan result as an audit and adds it to a hub, returning the hub's receipt. */
    @FunctionalInterface
    interface AuditPoster {
        JsonNode post(Scanner.ScanReport report) throws Exception;
    }

    /**
     * Prints a scan result as {@code scan} and {@code audit} do; with a poster (--attest), signs and adds it and
     * reports the receipt on stderr. The exit code follows the verdict.
     */
    private static int reportScan(CommandSpec spec, Scanner.ScanReport r, boolean json, AuditPoster poster)
            throws Exception {
        print(spec, json ? Json.compact(scanJson(r)) + "\n" : scanText(r));
        if (poster != null) {
            spec.commandLine().getErr().println("audit " + receipt(poster.post(r)));
        }
        return r.verdict().equals("fail") ? ExitCodes.VERIFICATION_FAILED : ExitCodes.OK;
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            footer = {"", "Exit codes: 0 pass or warn, 1 fail or verification failed, 2 usage, 3 I/O."},
            description = "Verify a published version, scan it, print the result; --attest signs and adds it as an audit.")
    static final class Audit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME@VERSION")
        String target;

        @Option(names = "--attest", description = "Sign the result as an audit and add it to the hub (logged).")
        boolean attest;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, true);
            Home home = access.homeOptions.open();
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), false);
            return reportScan(spec, scan(SkillPackage.read(v.packageBytes())), json, !attest ? null : r -> {
                Signer signer = signer(home);
                Dsse.Envelope env = Attestations.audit(v.name(), v.version(), v.digest(), r)
                        .sign(signer.keyId(), signer.key());
                return Hubs.call(c.hub(), () -> c.skills().attest(signer, env));
            });
        }
    }

    /** vouch and revoke: verify first (never vouch for bytes you have not checked), then sign and add. */
    abstract static class Statement implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME@VERSION")
        String target;

        abstract InTotoStatement statement(SkillVerifier.Verified v);

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, true);
            Home home = access.homeOptions.open();
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), false);
            Signer signer = signer(home);
            Dsse.Envelope env = statement(v).sign(signer.keyId(), signer.key());
            JsonNode r = Hubs.call(c.hub(), () -> c.skills().attest(signer, env));
            print(spec, r.path("kind").asString() + " of " + v.name() + "@" + v.version() + " " + receipt(r) + "\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "vouch", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Vouch for a published version (a signed, logged statement).")
    static final class Vouch extends Statement {
        @Option(names = "--statement", paramLabel = "TEXT", defaultValue = "I reviewed this version and vouch for it.")
        String text;

        @Override
        InTotoStatement statement(SkillVerifier.Verified v) {
            return Attestations.vouch(v.name(), v.version(), v.digest(), text);
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Revoke a version (signed and logged). The author's revocation takes effect at once; others"
                    + " count once identities of " + dev.carapace.skills.RevocationRule.AUDITOR_QUORUM + " distinct"
                    + " owners, each an owner or an agent linked to one for at least "
                    + dev.carapace.skills.RevocationRule.MIN_STANDING_DAYS + " days and each having audited"
                    + " the same digest, have revoked it (docs/skills-trust.md)."})
    static final class Revoke extends Statement {
        @Option(names = "--reason", required = true, paramLabel = "TEXT")
        String reason;

        @Override
        InTotoStatement statement(SkillVerifier.Verified v) {
            if (reason.isBlank()) {
                throw CliException.usage("--reason must not be blank");
            }
            return Attestations.revoke(v.name(), v.version(), v.digest(), reason);
        }
    }
}
