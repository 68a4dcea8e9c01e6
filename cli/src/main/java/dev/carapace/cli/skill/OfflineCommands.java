package dev.carapace.cli.skill;

import static dev.carapace.cli.skill.SkillSupport.print;

import dev.carapace.cli.CliException;
import dev.carapace.cli.ExitCodes;
import dev.carapace.cli.Home;
import dev.carapace.cli.HomeOptions;
import dev.carapace.cli.Hubs;
import dev.carapace.cli.LogTrustOptions;
import dev.carapace.cli.skill.SkillSupport.Conn;
import dev.carapace.cli.skill.SkillSupport.NameVersion;
import dev.carapace.client.TrustedLogs;
import dev.carapace.client.skills.SkillVerificationException;
import dev.carapace.client.skills.SkillVerifier;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.tlog.NoteVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import tools.jackson.databind.node.ObjectNode;

/** Offline: {@code skill fetch} saves a version with its proofs; {@code skill verify} checks them with no network. */
final class OfflineCommands {
    private OfflineCommands() {}

    @Command(name = "fetch", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify a version and save it with a bundle of everything needed to verify it offline: the"
                    + " statements as C2SP tlog-proofs (with the checkpoint) and the signers' key histories."})
    static final class Fetch implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        LogTrustOptions.Access access;

        @Parameters(index = "0", paramLabel = "NAME@VERSION")
        String target;

        @Option(names = "--out", required = true, paramLabel = "PKG")
        Path out;

        @Option(names = "--bundle", required = true, paramLabel = "BUNDLE")
        Path bundle;

        @Override
        public Integer call() throws Exception {
            NameVersion nv = NameVersion.parse(target, true);
            Conn c = Conn.open(access.homeOptions.open(), access);
            SkillVerifier.Verified v = c.verify(nv.name(), nv.version(), true);
            ObjectNode b = Hubs.verified(c.hub(), () -> c.verifier().bundle(v));
            SecureFiles.writeAtomic(out, v.packageBytes());
            SecureFiles.writeAtomic(bundle, (Json.pretty(b) + "\n").getBytes(StandardCharsets.UTF_8));
            print(spec, "wrote " + out + " and " + bundle + " (" + (2 + v.attestations().size()) + " log proofs)\n");
            return ExitCodes.OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify a package against its bundle with no network access: signatures against the key"
                    + " histories, log proofs against the log key pinned in this home (or --log-key), revocation and"
                    + " namespace ownership."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        LogTrustOptions trust;

        @Parameters(index = "0", paramLabel = "PKG")
        Path pkg;

        @Option(names = "--bundle", required = true, paramLabel = "BUNDLE")
        Path bundle;

        @Option(names = "--log-key", paramLabel = "VKEY", description = "The log's key, if this home has not pinned it.")
        String logKey;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        /** Verifies PKG against BUNDLE with no network access, or fails with the step that failed. */
        static SkillVerifier.Verified offline(byte[] pkg, Path bundle, String logKey, Home home, LogTrustOptions trust)
                throws IOException {
            JsonNode b;
            try {
                b = Json.parse(Files.readAllBytes(bundle));
            } catch (CryptoException e) {
                throw CliException.verification(bundle + ": " + e.getMessage());
            }
            NoteVerifier key;
            try {
                NoteVerifier claimed = NoteVerifier.parse(b.path("logKey").asString(""));
                if (logKey != null) {
                    key = NoteVerifier.parse(logKey);
                } else {
                    TrustedLogs.State s = LogTrustOptions.store(home).load(claimed.name());
                    if (s == null) {
                        throw CliException.usage("this home has never met log " + claimed.name()
                                + "; pass --log-key VKEY from a source you trust");
                    }
                    key = s.key();
                }
            } catch (CryptoException e) {
                throw CliException.verification("bad log key: " + e.getMessage());
            }
            try {
                return SkillVerifier.verifyBundle(pkg, b, key, trust.witnesses(), trust.quorum());
            } catch (SkillVerificationException e) {
                throw CliException.verification("verification failed at step " + e.step().name().toLowerCase(Locale.ROOT)
                        + ": " + e.getMessage());
            }
        }

        @Override
        public Integer call() throws Exception {
            SkillVerifier.Verified v = offline(Files.readAllBytes(pkg), bundle, logKey, homeOptions.open(), trust);
            if (json) {
                ObjectNode o = Json.object();
                o.put("valid", true);
                o.put("name", v.name());
                o.put("version", v.version());
                o.put("digest", v.digest());
                o.put("publisher", v.publisher());
                o.put("logIndex", v.publishIndex());
                o.put("namespaceLogIndex", v.namespaceIndex());
                o.put("statements", v.attestations().size());
                print(spec, Json.compact(o) + "\n");
                return ExitCodes.OK;
            }
            print(spec, "verified " + v.name() + "@" + v.version() + " sha256 " + v.digest() + " by " + v.publisher()
                    + " (publication at log index " + v.publishIndex() + ", namespace claim at " + v.namespaceIndex()
                    + ", " + v.attestations().size() + " statement(s), not revoked)\n");
            return ExitCodes.OK;
        }
    }
}
