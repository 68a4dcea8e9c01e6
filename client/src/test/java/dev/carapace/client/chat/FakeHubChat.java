package dev.carapace.client.chat;

import dev.carapace.client.FakeHub;
import dev.carapace.client.FakeHub.Answer;
import dev.carapace.client.HubClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.message.Credential;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A ChatClient ("alice") on a {@link FakeHub} that, unless a test says otherwise, answers the routes a chat client
 * uses in the documented shapes: a full KeyPackage supply, groups and commits accepted in order, an inbox holding
 * whatever the test queued. "Bob" is a member played in the test with the MLS engine, so the test can send alice
 * anything a member could, and worse.
 */
final class FakeHubChat implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final long ANSWER_LIMIT = 1 << 20;

    final FakeHub hub;
    final Party aliceId = Party.create();
    final ChatClient alice;
    final List<ObjectNode> inbox = new CopyOnWriteArrayList<>();
    final AtomicLong seq = new AtomicLong();
    final List<ObjectNode> commits = new CopyOnWriteArrayList<>();

    /** An identity: its key event log and current key. */
    record Party(KeyEventLog log, Ed25519KeyPair key) {
        static Party create() {
            Ed25519KeyPair key = Ed25519KeyPair.generate();
            return new Party(KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(),
                    System.currentTimeMillis()), key);
        }

        String id() {
            return log.id().toString();
        }

        /** A KeyPackage of one installation of this identity, certified by its current key. */
        KeyPackageBundle keyPackage(String installation) {
            byte[] sigPriv = ChatClient.SUITE.generateSignaturePrivateKey();
            Credential cred = Credential.basic(InstallationCertificate.issue(log, key, installation,
                    ChatClient.SUITE.signaturePublicKey(sigPriv)));
            return KeyPackageBundle.create(ChatClient.SUITE, cred, sigPriv, Duration.ofDays(1),
                    ChatClient.CAPABILITIES);
        }
    }

    FakeHubChat(Path dir) throws Exception {
        this(dir, Party.create(), Bytes.random(32));
    }

    FakeHubChat(Path dir, Party me, byte[] storageKey) throws Exception {
        hub = new FakeHub();
        hub.identity(me.log());
        honest();
        alice = ChatClient.open(new HubClient(hub.base(), TIMEOUT, ANSWER_LIMIT), me.log(), me.key(), dir,
                storageKey);
    }

    /** The documented answers (docs/api.md), given back in order. */
    private void honest() {
        hub.on("GET", "/v1/key-packages/([^/]+)", r -> Answer.ok(Json.object().put("available", 10)
                .put("lastResort", true)));
        hub.on("POST", "/v1/key-packages", r -> Answer.json(201, Json.object()));
        hub.on("POST", "/v1/groups", r -> Answer.json(201, Json.object()));
        hub.on("POST", "/v1/contacts/(allow|deny)", r -> Answer.ok(Json.object()));
        hub.on("POST", "/v1/groups/([^/]+)/commits", r -> {
            commits.add((ObjectNode) r.json());
            return Answer.json(201, Json.object().put("seq", seq.incrementAndGet()));
        });
        hub.on("POST", "/v1/groups/([^/]+)/messages", r -> Answer.json(201, Json.object()
                .put("seq", seq.incrementAndGet())));
        hub.on("GET", "/v1/inbox/([^/]+)", r -> {
            ObjectNode o = Json.object();
            ArrayNode items = o.putArray("items");
            inbox.forEach(items::add);
            return Answer.ok(o);
        });
        hub.on("POST", "/v1/inbox/([^/]+)/ack", r -> Answer.ok(Json.object()));
    }

    /** Queues an inbox item as the hub would deliver it. */
    ObjectNode deliver(String group, long itemSeq, String kind, long epoch, Party sender, String installation,
                       MlsMessage body) {
        ObjectNode o = Json.object();
        o.put("group", group);
        o.put("seq", itemSeq);
        o.put("kind", kind);
        o.put("epoch", epoch);
        o.put("sender", sender.id());
        o.put("senderInstallation", installation);
        o.put("body", Bytes.b64(body.encode()));
        inbox.add(o);
        return o;
    }

    /** Bob, a member played with the MLS engine, in a group alice created and invited him to. */
    final class Bob {
        final Party party = Party.create();
        final String installation = "bob-installation-1";
        final String group;
        final Group state;

        Bob(String groupName) throws Exception {
            hub.identity(party.log());
            KeyPackageBundle kp = party.keyPackage(installation);
            hub.on("POST", "/v1/agents/" + party.id() + "/key-packages/claim", r -> {
                ObjectNode o = Json.object();
                o.putArray("keyPackages").addObject().put("installation", installation)
                        .put("keyPackage", Bytes.b64(kp.keyPackage().encode()));
                return Answer.ok(o);
            });
            group = alice.createGroup(groupName);
            alice.invite(group, List.of(party.id()));
            ObjectNode commit = commits.get(commits.size() - 1);
            MlsMessage welcome = MlsMessage.decode(Bytes.fromB64(commit.get("welcome").asString()));
            state = Group.join(GroupConfig.defaults((c, k) -> { }), welcome, kp, null);
        }

        /** Bob sends a text as ChatClient does; the item is queued for alice. */
        ObjectNode says(String text, long itemSeq) {
            ObjectNode p = Json.object().put("type", "text").put("text", text).put("ts", 1L);
            MlsMessage m = state.encrypt(Json.compact(p).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    new byte[0]);
            return deliver(group, itemSeq, "application", state.epoch(), party, installation, m);
        }
    }

    static List<String> texts(List<ChatClient.ChatMessage> ms) {
        List<String> out = new ArrayList<>();
        ms.forEach(m -> out.add(m.text()));
        return out;
    }

    @Override
    public void close() {
        hub.close();
    }
}
