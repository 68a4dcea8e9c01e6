package dev.carapace.cli.skill;

import dev.carapace.cli.CommandGroup;
import dev.carapace.cli.ExitCodes;
import picocli.CommandLine.Command;

/**
 * {@code carapace skill}: one file per group of subcommands (publishing, review, discovery, install, run, offline);
 * what they share is in {@link SkillSupport}, the install rules in {@code client.skills.InstallPlan}.
 */
@Command(name = "skill", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Skills: package, sign, publish, audit and install WebAssembly skills, verified against the"
                + " hub's transparency log, and run them in the sandbox.",
        subcommands = {PublishingCommands.Init.class, PublishingCommands.Pack.class, PublishingCommands.Sign.class,
            PublishingCommands.Publish.class, ReviewCommands.Scan.class, ReviewCommands.Audit.class,
            ReviewCommands.Vouch.class, ReviewCommands.Revoke.class, DiscoveryCommands.Search.class,
            InstallCommands.ListInstalled.class, InstallCommands.Remove.class, DiscoveryCommands.Info.class,
            InstallCommands.Install.class, InstallCommands.Update.class, RunCommand.Run.class,
            OfflineCommands.Fetch.class, OfflineCommands.Verify.class})
public final class SkillCommand extends CommandGroup {
}
