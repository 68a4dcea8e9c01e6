package dev.carapace.cli;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.IdentityKey;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "verify", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = {"Verify that FILE was signed by an identity's current key.",
            "--identity takes an identity document (carapace id export) or an id known to this home."})
public final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--sig", required = true, paramLabel = "SIG", description = "The FILE.dsse.json envelope.")
    Path sig;

    @Option(names = "--identity", required = true, paramLabel = "DOC_OR_ID")
    String identity;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        KeyEventLog log = homeOptions.open().resolveIdentity(identity);
        Dsse.Envelope env;
        InTotoStatement st;
        try {
            env = Dsse.fromJson(Files.readAllBytes(sig));
            st = InTotoStatement.fromEnvelope(env);
        } catch (CryptoException e) {
            throw CliException.verification(sig + ": " + e.getMessage());
        }
        IdentityKey current = IdentityKey.current(log);
        List<String> signers;
        try {
            // Only the identity's current key counts: a rotated-out key may be the reason for the rotation.
            signers = Dsse.verify(env, current.resolver(), 1);
        } catch (CryptoException e) {
            throw CliException.verification("signature is not valid for " + log.id() + " (current key "
                    + current.id() + "): " + e.getMessage());
        }
        String digest = Bytes.hex(SignCommand.sha256(file));
        boolean covered = st.subjects().stream().anyMatch(s -> s.sha256Hex().equals(digest));
        if (!covered) {
            throw CliException.verification(file + " does not match the signed digest");
        }
        if (json) {
            ObjectNode o = Json.object();
            o.put("valid", true);
            o.put("file", file.toString());
            o.put("sha256", digest);
            o.put("signer", log.id().toString());
            o.put("keyId", signers.get(0));
            spec.commandLine().getOut().println(Json.compact(o));
        } else {
            spec.commandLine().getOut().println("valid: " + file + " signed by " + log.id() + " (" + signers.get(0)
                    + ")");
        }
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
