package dev.carapace.cli.skill;

import dev.carapace.cli.CliException;
import dev.carapace.cli.Home;
import dev.carapace.cli.Hubs;
import dev.carapace.cli.LogTrustOptions;
import dev.carapace.client.HubClient;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.Signer;
import dev.carapace.client.skills.SkillVerificationException;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.skills.NameGuard;
import dev.carapace.skills.PackageException;
import dev.carapace.skills.Scanner;
import dev.carapace.skills.SkillPackage;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What the skill commands share: the verified connection to a hub, NAME@VERSION, signing, reading packages. */
final class SkillSupport {
    private SkillSupport() {}

    /** A hub, its skill routes and a verifier bound to this home's trusted view of the hub's log and its pins. */
    record Conn(URI hub, SkillsClient skills, SkillVerifier verifier, SkillStore store) {
        static Conn open(Home home, LogTrustOptions.Access access) throws IOException {
            URI hub = access.hubOptions.resolve(home);
            HubClient client = Hubs.client(hub);
            LogVerifier log = access.trust.connect(home, client, hub);
            return new Conn(hub, new SkillsClient(client), new SkillVerifier(new SkillsClient(client), log),
                    new SkillStore(home));
        }

        /**
         * Verifies, then checks and records the digest pin: every version this home has seen verified is pinned,
         * installed or not, so different bytes for it later are caught whichever command sees them.
         */
        SkillVerifier.Verified verify(String name, String version, boolean refuseRevoked) throws IOException {
            SkillVerifier.Verified v = Hubs.verified(hub, () -> {
                try {
                    return verifier.verify(name, version, refuseRevoked);
                } catch (SkillVerificationException e) {
                    throw CliException.verification("verification failed at step " + e.step().name().toLowerCase(Locale.ROOT)
                            + ": " + e.getMessage());
                }
            });
            store.checkPin(v.name(), v.version(), v.digest());
            store.pin(v.name(), v.version(), v.digest());
            return v;
        }
    }

    record NameVersion(String name, String version) {
        static NameVersion parse(String s, boolean versionRequired) {
            int at = s.lastIndexOf('@');
            String name = at < 0 ? s : s.substring(0, at);
            String version = at < 0 ? null : s.substring(at + 1);
            try {
                NameGuard.validate(name);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            if (versionRequired && (version == null || version.isEmpty())) {
                throw CliException.usage("give the version: " + name + "@VERSION");
            }
            return new NameVersion(name, version);
        }
    }

    static Signer signer(Home home) throws IOException {
        Home.Identity id = home.identity();
        return Signer.current(id.log(), home.currentKey(id));
    }

    static SkillPackage readPackage(Path file) throws IOException {
        try {
            return SkillPackage.read(Files.readAllBytes(file));
        } catch (PackageException e) {
            throw CliException.verification(file + ": not an acceptable skill package: " + e.getMessage());
        }
    }

    static void print(CommandSpec spec, String text) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(text);
        out.flush();
    }

    /** A registry write, with its log receipt. */
    static String receipt(JsonNode r) {
        return "logged at index " + r.path("index").asLong() + " (log size " + r.path("size").asLong() + ")";
    }

    /** The single WebAssembly module of a package; two or none is refused rather than guessed. */
    static byte[] module(SkillPackage pkg) {
        List<String> wasm = pkg.names().stream().filter(n -> n.endsWith(".wasm")).toList();
        if (wasm.size() != 1) {
            throw CliException.verification("a skill package holds exactly one .wasm module; this one has " + wasm.size());
        }
        return pkg.entry(wasm.get(0));
    }

    static Scanner.ScanReport scan(SkillPackage pkg) {
        return Scanner.scan(pkg, Scanner.Rules.builtin());
    }

    static ObjectNode scanJson(Scanner.ScanReport r) {
        return r.toJson();
    }
}
