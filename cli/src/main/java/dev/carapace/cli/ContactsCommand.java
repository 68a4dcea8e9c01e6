package dev.carapace.cli;

import dev.carapace.client.chat.ChatClient;
import java.net.URI;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "contacts", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP},
        description = "Who may reach you: messages from identities you have not allowed wait in a request box;"
                + " denied identities are dropped, at the hub too.",
        subcommands = {ContactsCommand.Allow.class, ContactsCommand.Deny.class, ContactsCommand.Requests.class})
public final class ContactsCommand extends CommandGroup {

    @Command(name = "allow", mixinStandardHelpOptions = true,
            description = "Allow an identity; its held messages become readable.")
    static final class Allow extends ChatCommand.Base {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        void run(ChatClient chat, URI hub) {
            ChatCommand.guarded(hub, () -> {
                chat.allow(id);
                return null;
            });
            out().println("allowed " + id);
        }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true,
            description = "Deny an identity: its held messages are dropped and the hub stops delivering its"
                    + " messages and invitations to you.")
    static final class Deny extends ChatCommand.Base {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        void run(ChatClient chat, URI hub) {
            ChatCommand.guarded(hub, () -> {
                chat.deny(id);
                return null;
            });
            out().println("denied " + id);
        }
    }

    @Command(name = "requests", mixinStandardHelpOptions = true,
            description = "Messages held from senders you have not allowed.")
    static final class Requests extends ChatCommand.Base {
        @Override
        void run(ChatClient chat, URI hub) {
            ChatCommand.guarded(hub, chat::sync);
            List<ChatClient.ChatMessage> held = ChatCommand.guarded(hub, chat::requests);
            held.forEach(m -> out().println(m.group() + " " + m.sender() + ": " + m.text()));
        }
    }
}
