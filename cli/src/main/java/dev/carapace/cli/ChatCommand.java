package dev.carapace.cli;

import dev.carapace.client.HubException;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.client.chat.StateVault;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.Keystore;
import dev.carapace.mls.MlsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "chat", mixinStandardHelpOptions = true, footer = {"", ExitCodes.HELP, ExitCodes.HELP_REMOVED},
        description = "End-to-end encrypted groups (MLS) through the hub, which sees only ciphertext.",
        subcommands = {ChatCommand.New.class, ChatCommand.Invite.class, ChatCommand.Remove.class,
            ChatCommand.Send.class, ChatCommand.Read.class, ChatCommand.Watch.class, ChatCommand.Update.class,
            ChatCommand.ListGroups.class, ChatCommand.Leave.class})
public final class ChatCommand extends CommandGroup {

    /**
     * This home's chat installation, opened with its storage key, topped up with KeyPackages and, after the identity
     * rotated, re-certified in its groups. The caller holds the home lock.
     */
    static ChatClient open(Home home, URI hub, PrintWriter err) throws IOException {
        return session(home, hub, err).chat();
    }

    /** An opened installation with the identity key it signs with and the storage key of local state. */
    record Session(ChatClient chat, dev.carapace.crypto.KeyEventLog identity, Ed25519KeyPair key, byte[] storageKey) {}

    /** Like {@link #open}, keeping the keys for callers that sign beside the chat (tasks). */
    static Session session(Home home, URI hub, PrintWriter err) throws IOException {
        Home.Identity identity = home.identity();
        if (!"agent".equals(identity.log().kind())) {
            throw CliException.usage("chat is for agent identities");
        }
        try (Keystore.Keys keys = home.unlock(identity.log().id())) {
            Ed25519KeyPair current = keys.current();
            if (!current.publicKey().equals(identity.log().currentKey())) {
                throw CliException.config("the keystore does not hold the identity's current key");
            }
            Ed25519KeyPair next = keys.next();
            byte[] storageKey = StateVault.storageKey(home.dir().resolve("chat").resolve("storage-key.json"),
                    current, next);
            ChatClient chat = ChatClient.open(Hubs.client(hub), identity.log(), current,
                    home.dir().resolve("chat"), storageKey);
            guarded(hub, chat::publishKeyPackages);
            for (String failure : guarded(hub, chat::recertify)) {
                err.println("carapace: warning: could not re-certify this installation after the key rotation in "
                        + "group " + failure + " (tried again by the next chat command)");
            }
            err.flush();
            return new Session(chat, identity.log(), current, storageKey);
        } catch (CryptoException e) {
            throw CliException.config("keystore holds an invalid key: " + e.getMessage());
        }
    }

    /**
     * Used by {@code agent register}: the first supply of KeyPackages. The registration itself has succeeded by
     * then, so a failure here is a warning (every chat command tops the supply up again), not an error.
     */
    static void publishFirstSupply(Home home, URI hub, PrintWriter err) throws IOException {
        try {
            open(home, hub, err);
        } catch (CliException e) {
            err.println("carapace: warning: registered, but no KeyPackages were uploaded (" + e.getMessage()
                    + "); any 'carapace chat' command retries");
            err.flush();
        }
    }

    @FunctionalInterface
    interface ChatCall<T> {
        T run() throws IOException, HubException;
    }

    /** Runs a chat operation; hub, MLS and state failures become one line with the documented exit code. */
    static <T> T guarded(URI hub, ChatCall<T> call) {
        try {
            return Hubs.call(hub, call::run);
        } catch (MlsException e) {
            throw CliException.verification("refused by the group's cryptography: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        } catch (IllegalStateException e) {
            throw CliException.config(e.getMessage());
        }
    }

    /** Options every chat subcommand takes. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Mixin
        HubOptions hubOptions;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            URI hub = hubOptions.resolve(home);
            ChatClient chat = open(home, hub, err());
            run(chat, hub);
            out().flush();
            return ExitCodes.OK;
        }

        abstract void run(ChatClient chat, URI hub) throws Exception;
    }

    @Command(name = "new", mixinStandardHelpOptions = true, description = "Create a group; you are its admin.")
    static final class New extends Base {
        @Option(names = "--name", paramLabel = "N", description = "A local name (never sent to the hub).")
        String name;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        void run(ChatClient chat, URI hub) {
            String group = guarded(hub, () -> chat.createGroup(name == null ? "" : name));
            ObjectNode o = Json.object();
            o.put("group", group);
            out().println(json ? Json.compact(o) : "created group " + group);
        }
    }

    @Command(name = "invite", mixinStandardHelpOptions = true,
            description = "Add every installation of each agent (admins only).")
    static final class Invite extends Base {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "AGENT_ID")
        List<String> agents;

        @Override
        void run(ChatClient chat, URI hub) {
            long epoch = guarded(hub, () -> chat.invite(group, agents));
            out().println("invited " + agents.size() + " agent(s); the group is at epoch " + epoch);
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove every installation of an agent (admins only).")
    static final class Remove extends Base {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Parameters(index = "1", paramLabel = "AGENT_ID")
        String agent;

        @Override
        void run(ChatClient chat, URI hub) {
            long epoch = guarded(hub, () -> chat.remove(group, agent));
            out().println("removed " + agent + "; the group is at epoch " + epoch);
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true, description = "Encrypt and send a text.")
    static final class Send extends Base {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Parameters(index = "1", paramLabel = "TEXT")
        String text;

        @Override
        void run(ChatClient chat, URI hub) {
            long seq = guarded(hub, () -> chat.send(group, text));
            out().println("sent (#" + seq + ")");
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = "Apply pending Welcomes and commits, then print unread messages from allowed senders.")
    static final class Read extends Base {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        void run(ChatClient chat, URI hub) {
            List<ChatClient.ChatMessage> msgs = guarded(hub, () -> chat.read(group));
            int held = guarded(hub, () -> (int) chat.requests().stream().filter(m -> m.group().equals(group)).count());
            if (json) {
                ObjectNode o = Json.object();
                o.put("group", group);
                ArrayNode arr = o.putArray("messages");
                msgs.forEach(m -> arr.addObject().put("seq", m.seq()).put("sender", m.sender())
                        .put("installation", m.senderInstallation()).put("text", m.text()).put("ts", m.sentMs()));
                o.put("requests", held);
                out().println(Json.compact(o));
            } else {
                msgs.forEach(m -> out().println(m.sender() + ": " + m.text()));
                if (held > 0) {
                    out().println("(" + held + " message(s) from senders you have not allowed; see 'carapace"
                            + " contacts requests')");
                }
            }
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Print messages as they arrive (long poll) until interrupted.",
                "Other commands may use the same home meanwhile: the watch takes the home's lock only while it reads."
                        + " Exits " + ExitCodes.REMOVED + " when this installation is removed from the group."})
    static final class Watch extends Base implements HomeLock.PerStep {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        /** The installation as last opened, and the identity key it was opened with. */
        private ChatClient chat;
        private String openedWithKey;

        @Override
        public Integer call() throws Exception {
            Home home = homeOptions.open();
            URI hub = hubOptions.resolve(home);
            Semaphore pending = new Semaphore(0);
            WebSocket push = null;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    List<ChatClient.ChatMessage> got;
                    boolean removed;
                    // Each step reads the home afresh under its lock, so what other commands wrote meanwhile is
                    // applied upon, never overwritten.
                    try (HomeLock lock = HomeLock.acquire(home.dir(), err())) {
                        ChatClient c = current(home, hub);
                        got = guarded(hub, () -> c.read(group));
                        removed = guarded(hub, () -> c.group(group)).removed();
                    }
                    got.forEach(m -> out().println(m.sender() + ": " + m.text()));
                    out().flush();
                    if (removed) {
                        throw new CliException(ExitCodes.REMOVED, "this installation was removed from group " + group
                                + "; stopped watching");
                    }
                    if (push == null || push.isInputClosed()) {
                        ChatClient c = chat;
                        push = guarded(hub, () -> c.openPush(pending::release));
                    }
                    // Woken by the push socket, and every 30 s regardless, so a lost push only delays.
                    pending.tryAcquire(30, TimeUnit.SECONDS);
                    pending.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (push != null) {
                    push.abort();
                }
            }
            return ExitCodes.OK;
        }

        /**
         * The installation, re-read from disk; reopened (keystore unlocked again) when another process rotated the
         * identity, whose new key signs from then on.
         */
        private ChatClient current(Home home, URI hub) throws IOException {
            String key = home.identity().log().currentKeyId();
            if (chat == null || !key.equals(openedWithKey)) {
                chat = open(home, hub, err());
                openedWithKey = key;
            } else {
                chat.reload();
            }
            return chat;
        }

        @Override
        void run(ChatClient chat, URI hub) {
            throw new UnsupportedOperationException("watch runs step by step");
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Refresh your keys in the group.")
    static final class Update extends Base {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Override
        void run(ChatClient chat, URI hub) {
            long epoch = guarded(hub, () -> chat.update(group));
            out().println("keys updated; the group is at epoch " + epoch);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The groups this installation is in.")
    static final class ListGroups extends Base {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        void run(ChatClient chat, URI hub) {
            guarded(hub, chat::sync);
            List<ChatClient.GroupInfo> groups = guarded(hub, chat::groups);
            if (json) {
                ArrayNode arr = Json.object().arrayNode();
                for (ChatClient.GroupInfo g : groups) {
                    ObjectNode o = arr.addObject();
                    o.put("group", g.group());
                    o.put("name", g.name());
                    o.put("epoch", g.epoch());
                    o.put("removed", g.removed());
                    ArrayNode m = o.putArray("members");
                    g.members().forEach(m::add);
                    ArrayNode a = o.putArray("admins");
                    g.admins().forEach(a::add);
                }
                out().println(Json.compact(arr));
            } else {
                for (ChatClient.GroupInfo g : groups) {
                    out().println(g.group() + (g.name().isEmpty() ? "" : " (" + g.name() + ")")
                            + (g.removed() ? " [no longer a member]" : " epoch " + g.epoch() + ", "
                            + g.members().size() + " member(s)"));
                }
            }
        }
    }

    @Command(name = "leave", mixinStandardHelpOptions = true,
            description = "Leave a group; an admin's client removes you at its next read.")
    static final class Leave extends Base {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Override
        void run(ChatClient chat, URI hub) {
            guarded(hub, () -> {
                chat.leave(group);
                return null;
            });
            out().println("left " + group);
        }
    }
}
