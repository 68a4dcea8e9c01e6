package dev.carapace.cli;

import dev.carapace.crypto.Json;
import dev.carapace.tlog.ProofFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "log", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "The transparency log: verify Merkle proofs offline.",
        subcommands = {LogCommand.VerifyProof.class})
public final class LogCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify-proof", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Verify an RFC 9162 inclusion or consistency proof file (the JSON of the Merkle test"
                    + " vectors; the kind is told by its fields), with no network access.",
                "Exit 0 when the proof is valid, 1 when it is not."})
    static final class VerifyProof implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ProofFiles.Result r = ProofFiles.verify(file);
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = Json.object();
                o.put("valid", r.valid());
                o.put("kind", r.kind());
                o.put("detail", r.detail());
                out.println(Json.compact(o));
            } else {
                out.println((r.valid() ? "valid " : "INVALID ") + r.kind() + " proof: " + r.detail());
            }
            out.flush();
            return r.valid() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
        }
    }
}
