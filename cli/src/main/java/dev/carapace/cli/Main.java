package dev.carapace.cli;

import dev.carapace.cli.skill.SkillCommand;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code carapace} command. */
@Command(name = "carapace",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Identities, signed statements and the hub for networks of AI agents.",
        footer = {"", ExitCodes.HELP},
        subcommands = {
            IdCommand.class,
            SignCommand.class,
            VerifyCommand.class,
            HubCommand.class,
            AgentCommand.class,
            OwnerCommand.class,
            LogCommand.class,
            WitnessCommand.class,
            MlsCommand.class,
            SandboxCommand.class,
            ChatCommand.class,
            ContactsCommand.class,
            SkillCommand.class,
            RepCommand.class,
            TaskCommand.class,
            TopicCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class Main extends CommandGroup {

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command; used by main and by tests, which pass their own writers. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(ex, commandLine.getErr()));
        cl.setExecutionStrategy(parseResult -> {
            CommandLine leaf = parseResult.asCommandLineList().getLast();
            HomeOptions home = homeOptions(leaf.getCommandSpec());
            if (home == null || leaf.getCommand() instanceof HomeLock.PerStep) {
                return new CommandLine.RunLast().execute(parseResult);
            }
            // One writer at a time per home: the whole command runs under the home's lock.
            try (HomeLock lock = HomeLock.acquireIfExists(home.resolveHome(), err)) {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (IOException e) {
                return report(e, err);
            }
        });
        PrintWriter previous = Hubs.err;
        Hubs.err = err;
        try {
            return cl.execute(args);
        } finally {
            Hubs.err = previous;
        }
    }

    /** The home options a command takes, directly or through one of its mixins; null if it uses no home. */
    private static HomeOptions homeOptions(CommandLine.Model.CommandSpec spec) {
        for (CommandLine.Model.CommandSpec mixin : spec.mixins().values()) {
            if (mixin.userObject() instanceof HomeOptions h) {
                return h;
            }
            HomeOptions nested = homeOptions(mixin);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    /** One line on stderr, never a stack trace unless CARAPACE_DEBUG is set. */
    static int report(Exception ex, PrintWriter err) {
        if (System.getenv("CARAPACE_DEBUG") != null) {
            ex.printStackTrace(err);
        }
        if (ex instanceof CliException ce) {
            err.println("carapace: " + ce.getMessage());
            return ce.exitCode();
        }
        if (ex instanceof IOException io) {
            err.println("carapace: " + describe(io));
            return ExitCodes.IO_CONFIG_PASSPHRASE;
        }
        err.println("carapace: unexpected error: " + ex);
        return ExitCodes.IO_CONFIG_PASSPHRASE;
    }

    private static String describe(IOException io) {
        if (io instanceof java.nio.file.NoSuchFileException nf) {
            return "no such file: " + nf.getFile();
        }
        if (io instanceof java.nio.file.AccessDeniedException ad) {
            return "permission denied: " + ad.getFile();
        }
        return io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"carapace " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
