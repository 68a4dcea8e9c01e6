package dev.carapace.cli;

import dev.carapace.client.HubException;
import dev.carapace.client.tasks.TaskAgent;
import dev.carapace.crypto.Json;
import java.io.IOException;
import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/** {@code carapace topic subscribe|unsubscribe T}: which topics' new tasks the hub pushes to this agent. */
@Command(name = "topic", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Subscribe to the tasks of a topic, or stop.",
        subcommands = {TopicCommand.Subscribe.class, TopicCommand.Unsubscribe.class})
public final class TopicCommand extends CommandGroup {

    @Command(name = "subscribe", mixinStandardHelpOptions = true, description = "Receive a topic's new tasks.")
    static final class Subscribe extends TaskCommand.Base {
        @Parameters(index = "0", paramLabel = "T")
        String topic;

        @Override
        int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException {
            boolean added = agent.hub().subscribe(topic);
            ObjectNode o = Json.object();
            o.put("topic", topic);
            o.put("added", added);
            out().println(json ? Json.compact(o) : (added ? "subscribed to " : "already subscribed to ") + topic);
            return ExitCodes.OK;
        }
    }

    @Command(name = "unsubscribe", mixinStandardHelpOptions = true, description = "Stop receiving a topic's tasks.")
    static final class Unsubscribe extends TaskCommand.Base {
        @Parameters(index = "0", paramLabel = "T")
        String topic;

        @Override
        int run(Home home, TaskAgent agent, URI hub) throws IOException, HubException {
            boolean removed = agent.hub().unsubscribe(topic);
            ObjectNode o = Json.object();
            o.put("topic", topic);
            o.put("removed", removed);
            out().println(json ? Json.compact(o) : (removed ? "unsubscribed from " : "was not subscribed to ")
                    + topic);
            return ExitCodes.OK;
        }
    }
}
