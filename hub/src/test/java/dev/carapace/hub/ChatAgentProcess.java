package dev.carapace.hub;

import dev.carapace.client.HubClient;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An agent in its own JVM, driven line by line on stdin (tab-separated: command and arguments); answers one line,
 * {@code OK <json>} or {@code ERR <message>}. The chat state stays on disk, so {@code hub URL} reopens it against a
 * restarted hub.
 */
public final class ChatAgentProcess {
    private ChatAgentProcess() {}

    public static void main(String[] args) throws Exception {
        URI hubUrl = URI.create(args[0]);
        Path state = Path.of(args[1]);
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis());
        byte[] storageKey = Bytes.random(32);
        new HubClient(hubUrl).register(log, key);
        ChatClient chat = ChatClient.open(new HubClient(hubUrl), log, key, state, storageKey);
        chat.publishKeyPackages();
        System.out.println("ID " + log.id());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            String[] p = line.split("\t");
            List<String> rest = Arrays.asList(p).subList(1, p.length);
            ObjectNode out = Json.object();
            try {
                switch (p[0]) {
                    case "hub" -> chat = ChatClient.open(new HubClient(URI.create(p[1])), log, key, state, storageKey);
                    case "create" -> out.put("group", chat.createGroup("g"));
                    case "invite" -> out.put("epoch", chat.invite(p[1], rest.subList(1, rest.size())));
                    case "remove" -> out.put("epoch", chat.remove(p[1], p[2]));
                    case "update" -> out.put("epoch", chat.update(p[1]));
                    case "send" -> out.put("seq", chat.send(p[1], p[2]));
                    case "allow" -> chat.allow(p[1]);
                    case "epoch" -> out.put("epoch", chat.group(p[1]).epoch());
                    case "read" -> {
                        ArrayNode texts = out.putArray("texts");
                        chat.read(p[1]).forEach(m -> texts.add(m.text()));
                    }
                    case "exit" -> {
                        System.out.println("OK {}");
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown command " + p[0]);
                }
                System.out.println("OK " + Json.compact(out));
            } catch (Exception e) {
                System.out.println("ERR " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            System.out.flush();
        }
    }
}
