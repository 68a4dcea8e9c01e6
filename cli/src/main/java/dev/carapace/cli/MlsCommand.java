package dev.carapace.cli;

import dev.carapace.mls.vectors.VectorRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "mls", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Messaging Layer Security (RFC 9420) tools.",
        subcommands = {MlsCommand.Vectors.class})
public final class MlsCommand extends CommandGroup {

    @Command(name = "vectors", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
            description = {"Run the mlswg test-vector files in DIR (those named after one of the 16 families) through"
                    + " the MLS engine and print FAMILY: PASSED/TOTAL for each family found.",
                "Exit 0 only when every case of every family passed (cases for unsupported cipher suites count as"
                        + " failed), 1 otherwise."})
    static final class Vectors implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(dir)) {
                throw new java.nio.file.NoSuchFileException(dir.toString());
            }
            VectorRunner.Result r = new VectorRunner().runDirectory(dir);
            var out = spec.commandLine().getOut();
            r.families().values().forEach(out::println);
            out.flush();
            if (r.families().isEmpty()) {
                throw CliException.verification("no MLS test-vector files in " + dir);
            }
            return r.allPassed() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
        }
    }
}
