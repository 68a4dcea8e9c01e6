package dev.carapace.cli.skill;

import static dev.carapace.cli.skill.SkillSupport.print;
import static dev.carapace.cli.skill.SkillSupport.scan;
import static dev.carapace.cli.skill.SkillSupport.scanJson;

import dev.carapace.cli.ExitCodes;
import dev.carapace.cli.Home;
import dev.carapace.cli.HomeOptions;
import dev.carapace.cli.HubOptions;
import dev.carapace.cli.Hubs;
import dev.carapace.cli.LogTrustOptions;
import dev.carapace.cli.skill.SkillSupport.Conn;
import dev.carapace.cli.skill.SkillSupport.NameVersion;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Json;
import dev.carapace.skills.Scanner;
import dev.carapace.skills.SkillPackage;
import dev.carapace.skills.TrustScore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Finding and judging skills: {@code skill search} (an unverified listing) and {@code info} (verified, with its trust score). */
final class DiscoveryCommands {
    private DiscoveryCommands() {}

    @Command(name = "search", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = "Search the hub's skills by name (unverified listing; install and info verify).")
    static final class Search implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        @Parameters(index = "0", arity = "0..1", paramLabel = "QUERY")
        String query;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            URI hub = hubOptions.resolve(homeOptions.open());
            JsonNode r = Hubs.call(hub, () -> new SkillsClient(Hubs.client(hub)).search(query));
            if (json) {
                print(spec, Json.compact(r) + "\n");
            } else {
                StringBuilder b = new StringBuilder();
                for (JsonNode s : r.path("skills")) {
                    b.append(s.path("name").asString()).append(' ').append(s.path("latest").asString())
                            .append(s.path("confusable").asBoolean() ? "  (WARNING: confusable name)" : "").append('\n');
                }
                print(spec, b.isEmpty() ? "no skills found\n" : b.toString());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify a skill and explain its trust score factor by factor (docs/skills-trust.md), with the"
                    + " log index of every statement."})
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME[@VERSION]")
        String target;

        @Option(names = "--auditor", paramLabel = "ID",
                description = "An identity you trust as auditor/voucher: standing 1.0 (as have signers with reputation"
                        + " standing on the hub; others count 0.25); repeatable.")
        List<String> trustedAuditors = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, false);
            Home home = access.homeOptions.open();
            JsonNode installed = new SkillStore(home).entry(nv.name());
            if (installed != null && installed.hasNonNull("hub")) {
                access.hubOptions.preferIfUnset(installed.path("hub").asString());
            }
            Conn c = Conn.open(home, access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), false);
            Scanner.ScanReport scan = scan(SkillPackage.read(v.packageBytes()));
            List<TrustScore.Audit> audits = new ArrayList<>();
            List<Double> vouches = new ArrayList<>();
            for (SkillVerifier.Statement s : v.attestations()) {
                // Signers you name, and those whose reputation reaches standing on the hub, weigh fully.
                boolean reputable = s.standing() != null && s.standing().reputable();
                double standing = trustedAuditors.contains(s.signer()) || reputable ? 1.0 : 0.25;
                if (s.kind().equals("audit")) {
                    audits.add(new TrustScore.Audit(TrustScore.Verdict.valueOf(
                            s.predicate().path("verdict").asString("fail").toUpperCase(Locale.ROOT)), standing));
                } else if (s.kind().equals("vouch")) {
                    vouches.add(standing);
                }
            }
            long fails = scan.findings().stream().filter(f -> f.severity() == Scanner.Severity.FAIL).count();
            long ageDays = v.publishedMs() <= 0 ? 0 : Math.max(0, (System.currentTimeMillis() - v.publishedMs()) / 86_400_000L);
            TrustScore.TrustReport report = TrustScore.compute(new TrustScore.TrustInputs(true, audits, vouches, ageDays,
                    v.revoked(), (int) fails, (int) (scan.findings().size() - fails)));
            if (json) {
                ObjectNode o = Json.object();
                o.put("name", v.name());
                o.put("version", v.version());
                o.put("digest", v.digest());
                o.put("publisher", v.publisher());
                o.put("logIndex", v.publishIndex());
                o.put("namespaceLogIndex", v.namespaceIndex());
                o.put("revoked", v.revoked());
                o.put("score", report.score());
                o.put("status", report.status().name());
                ArrayNode fs = o.putArray("factors");
                for (TrustScore.Factor f : report.factors()) {
                    fs.addObject().put("name", f.name()).put("value", f.value()).put("points", f.points())
                            .put("explanation", f.explanation());
                }
                ArrayNode as = o.putArray("attestations");
                v.attestations().forEach(s -> as.addObject().put("kind", s.kind()).put("signer", s.signer())
                        .put("logIndex", s.logIndex()));
                o.set("scan", scanJson(scan));
                ArrayNode ws = o.putArray("warnings");
                v.warnings().forEach(ws::add);
                o.set("permissions", Json.MAPPER.valueToTree(SkillPermissions.describe(
                        SkillPermissions.parse(Json.compact(v.manifest()).getBytes(StandardCharsets.UTF_8)).permissions())));
                print(spec, Json.compact(o) + "\n");
                return ExitCodes.OK;
            }
            StringBuilder b = new StringBuilder();
            b.append(v.name()).append(' ').append(v.version()).append(v.revoked() ? "  REVOKED" : "").append('\n');
            b.append("  sha256 ").append(v.digest()).append('\n');
            b.append("  publisher ").append(v.publisher()).append(", publication at log index ").append(v.publishIndex())
                    .append(", namespace claim at log index ").append(v.namespaceIndex()).append('\n');
            b.append("trust score ").append(report.score()).append("/100, status ").append(report.status()).append('\n');
            for (TrustScore.Factor f : report.factors()) {
                b.append(String.format(Locale.ROOT, "  %-10s %+7.2f  %s: %s%n", f.name(), f.points(), f.value(), f.explanation()));
            }
            for (SkillVerifier.Statement s : v.attestations()) {
                b.append("  ").append(s.kind()).append(" by ").append(s.signer()).append(" at log index ")
                        .append(s.logIndex());
                if (s.kind().equals("audit")) {
                    b.append(": ").append(s.predicate().path("verdict").asString());
                } else if (s.kind().equals("revoke")) {
                    b.append(": ").append(s.predicate().path("reason").asString());
                }
                b.append('\n');
            }
            v.warnings().forEach(w -> b.append("warning: ").append(w).append('\n'));
            print(spec, b.toString());
            return ExitCodes.OK;
        }
    }
}
