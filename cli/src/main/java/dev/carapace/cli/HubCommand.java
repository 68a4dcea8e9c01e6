package dev.carapace.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Unmatched;

@Command(name = "hub", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Run the hub.")
public final class HubCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Unmatched
    java.util.List<String> ignored;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("carapace: the hub is not part of this build yet.");
        return ExitCodes.IO_CONFIG_PASSPHRASE;
    }
}
