package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubClient;
import dev.carapace.client.HubException;
import dev.carapace.client.Signer;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.client.chat.GroupPolicy;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.http.Route;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Proposal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Walks the routing table and proves that no identity can act on another's data. Every route of the table has an
 * entry here (a new route without one fails this test): either it is open to any identity, with the reason, or a
 * registered stranger (an agent and an owner), signing properly with its own current key, sends the very request the
 * victim would send and gets 403, or 404 where the hub keeps existence secret; then the victim sends that same
 * request and it succeeds, which proves the stranger's request was well-formed and was refused for who sent it, not
 * for its shape.
 */
class AuthorizationTest extends BackendTest {
    private static final CipherSuite SUITE = ChatClient.SUITE;
    private static final GroupConfig LENIENT = GroupConfig.defaults((cred, key) -> { });

    @FunctionalInterface
    private interface Request {
        JsonNode send(Signer signer) throws Exception;
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }

    private HubFixture.Party victimOwner;
    private HubFixture.Party victimAgent;
    private List<HubFixture.Party> strangers;

    /** The stranger's attempt is refused with 403 (or 404 when {@code secret}); the victim's own then succeeds. */
    private Check denied(boolean secret, Request request) {
        return () -> {
            for (HubFixture.Party stranger : strangers) {
                int status;
                String answer;
                try {
                    answer = String.valueOf(request.send(stranger.signer()));
                    status = 200;
                } catch (HubException e) {
                    status = e.status();
                    answer = e.reason() + ": " + e.getMessage();
                }
                assertThat(status).as(stranger.log().kind() + " stranger got: " + answer)
                        .isEqualTo(secret ? 404 : 403);
                assertThat(answer).doesNotContain("victim@example.org").doesNotContain("Victim Owner");
            }
        };
    }

    private Check deniedThenOwn(boolean secret, Request request, Signer victim) {
        Check d = denied(secret, request);
        return () -> {
            d.run();
            request.send(victim); // well-formed: the rightful caller's identical request succeeds
        };
    }

    /** A route any identity may call; the reason says why that exposes no one else's data. */
    private static Check open(String reason) {
        assertThat(reason).isNotBlank();
        return () -> { };
    }

    private static KeyPackageBundle bundle(HubFixture.Party agent, String installation) {
        byte[] key = SUITE.generateSignaturePrivateKey();
        Credential cred = Credential.basic(InstallationCertificate.issue(agent.log(), agent.key(), installation,
                SUITE.signaturePublicKey(key)));
        return KeyPackageBundle.create(SUITE, cred, key, Duration.ofDays(1), ChatClient.CAPABILITIES);
    }

    private static ObjectNode routed(ObjectNode body, String field, HubFixture.Party agent, String installation) {
        body.putArray(field).addObject().put("agent", agent.id()).put("installation", installation);
        return body;
    }

    @Test
    void noRouteLetsAStrangerReadOrChangeAnothersData() throws Exception {
        victimOwner = f.owner("victim@example.org", "Victim Owner");
        victimAgent = f.agent();
        f.link(victimOwner, victimAgent);
        HubFixture.Party doomedOwner = f.owner("doomed@example.org", "Doomed Owner");
        HubFixture.Party peer = f.agent();
        HubFixture.Party strangerAgent = f.agent();
        HubFixture.Party strangerOwner = f.owner("stranger@example.org", "Stranger");
        strangers = List.of(strangerAgent, strangerOwner);
        HubClient hub = f.client;
        Signer victim = victimAgent.signer();
        String v = victimAgent.id();
        String o = victimOwner.id();

        // The victim's group: a direct group with a peer, with two of the victim's installations routed.
        String inst1 = "victimInst01";
        String inst2 = "victimInst02";
        byte[] gid = Bytes.random(16);
        String g = Bytes.b64url(gid);
        Group group = Group.create(LENIENT, gid, bundle(victimAgent, inst1));
        // Epoch 0 to 1 installs the policy naming the victim admin, as ChatClient does.
        group.merge(group.commit(List.of(new Proposal.GroupContextExtensions(
                List.of(new GroupPolicy(java.util.Set.of(v)).toExtension())))));
        ObjectNode create = Json.object().put("group", g).put("installation", inst1).put("epoch", 1)
                .put("direct", peer.id()).put("groupInfo", Bytes.b64(group.groupInfo(true).encode()));
        hub.send("POST", "/v1/groups", create, victim);
        PendingCommit add = group.add(List.of(bundle(victimAgent, inst2).keyPackage()));
        group.merge(add);
        ObjectNode addBody = routed(Json.object().put("installation", inst1).put("epoch", 1)
                .put("commit", Bytes.b64(add.commit().encode())).put("welcome", Bytes.b64(add.welcome().encode()))
                .put("groupInfo", Bytes.b64(group.groupInfo(true).encode())), "add", victimAgent, inst2);
        hub.send("POST", "/v1/groups/" + g + "/commits", addBody, victim);
        PendingCommit update = group.update();
        ObjectNode updateBody = Json.object().put("installation", inst1).put("epoch", 2)
                .put("commit", Bytes.b64(update.commit().encode()));
        Check commit = deniedThenOwn(false, s -> hub.send("POST", "/v1/groups/" + g + "/commits", updateBody, s),
                victim);
        Check message = () -> {
            group.merge(update);
            ObjectNode body = Json.object().put("installation", inst1)
                    .put("message", Bytes.b64(group.encrypt("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[0]).encode()));
            deniedThenOwn(false, s -> hub.send("POST", "/v1/groups/" + g + "/messages", body, s), victim).run();
        };
        ObjectNode keyPackages = Json.object().put("installation", inst1);
        keyPackages.putArray("keyPackages").add(Bytes.b64(bundle(victimAgent, inst1).keyPackage().encode()));

        // The victim's skill namespace and a package uploaded in parts, not yet assembled.
        SkillsClient skills = new SkillsClient(hub);
        skills.publishPackage(victim, SkillsRegistryTest.pkg("victim/tool", "1.0.0", ""), null, false);
        byte[] next = SkillsRegistryTest.pkg("victim/tool", "1.0.1", "");
        String nextDigest = Bytes.hex(Bytes.sha256(next));

        Map<String, Check> cases = new LinkedHashMap<>();
        // Identities and owners.
        cases.put("POST /v1/identities", open("registers the caller's own identity, signed by the key in the body"));
        cases.put("GET /v1/identities/{id}", open("identity documents are public"));
        cases.put("POST /v1/identities/{id}/events", () -> {
            for (HubFixture.Party stranger : strangers) {
                // The stranger's own, properly rotated history, aimed at the victim's id.
                KeyEventLog rotated = stranger.log().rotate(stranger.next(), Ed25519KeyPair.generate().publicKey(),
                        System.currentTimeMillis());
                ObjectNode body = Json.object();
                body.set("identity", rotated.toJson());
                HubException e = refused(() -> hub.send("POST", "/v1/identities/" + v + "/events", body,
                        Signer.current(rotated, stranger.next())));
                assertThat(e.status()).as(e.getMessage()).isEqualTo(403);
            }
        });
        cases.put("GET /v1/agents/{id}/owner", deniedThenOwn(false,
                s -> hub.send("GET", "/v1/agents/" + v + "/owner", null, s), victim));
        cases.put("POST /v1/owners", open("registers the caller's own owner identity"));
        cases.put("GET /v1/owners/{id}", deniedThenOwn(false,
                s -> hub.send("GET", "/v1/owners/" + o, null, s), victimOwner.signer()));
        cases.put("POST /v1/owners/{id}/agents", () -> {
            HubFixture.Party second = f.agent();
            ObjectNode body = Json.object();
            body.set("consent", HubClient.countersign(HubClient.linkConsent(second.log(), second.key(), o),
                    victimOwner.signer()).toJson());
            deniedThenOwn(false, s -> hub.send("POST", "/v1/owners/" + o + "/agents", body, s),
                    victimOwner.signer()).run();
        });
        cases.put("GET /v1/owners/{id}/agents", deniedThenOwn(false,
                s -> hub.send("GET", "/v1/owners/" + o + "/agents", null, s), victimOwner.signer()));
        cases.put("GET /v1/owners/{id}/export", deniedThenOwn(false,
                s -> hub.send("GET", "/v1/owners/" + o + "/export", null, s), victimOwner.signer()));
        cases.put("GET /v1/owners/{id}/access-log", deniedThenOwn(false,
                s -> hub.send("GET", "/v1/owners/" + o + "/access-log", null, s), victimOwner.signer()));
        cases.put("DELETE /v1/owners/{id}", deniedThenOwn(false,
                s -> hub.send("DELETE", "/v1/owners/" + doomedOwner.id(), null, s), doomedOwner.signer()));
        // The transparency log.
        cases.put("POST /v1/log/entries", open("appends the caller's own statement, which must be signed by the"
                + " caller's current key"));
        cases.put("POST /v1/log/batch", open("appends the caller's own statements, each of which must be signed by"
                + " the caller's current key"));
        cases.put("GET /checkpoint", open("the log is public"));
        cases.put("GET /v1/log/checkpoint/witnessed/{k}", open("the log is public"));
        cases.put("POST /v1/log/cosignatures", open("a witness's cosignature is checked against the witness keys"
                + " the hub is configured with, not against an identity"));
        cases.put("GET /tile/{path*}", open("the log is public"));
        cases.put("GET /v1/log/entries/{index}", open("the log is public"));
        cases.put("GET /v1/log/proof/inclusion/{index}/{size}", open("the log is public"));
        cases.put("GET /v1/log/proof/consistency/{from}/{to}", open("the log is public"));
        // Messaging: installations are named per identity, so another's are unknown (404); groups answer 403.
        cases.put("POST /v1/key-packages", deniedThenOwn(false,
                s -> hub.send("POST", "/v1/key-packages", keyPackages, s), victim));
        cases.put("GET /v1/key-packages/{installation}", deniedThenOwn(true,
                s -> hub.send("GET", "/v1/key-packages/" + inst1, null, s), victim));
        cases.put("POST /v1/agents/{id}/key-packages/claim", () -> {
            // Open to any identity the agent does not deny (that is how one invites someone); a denied one gets 403.
            for (HubFixture.Party stranger : strangers) {
                hub.send("POST", "/v1/contacts/deny", Json.object().put("agent", stranger.id()), victim);
            }
            denied(false, s -> hub.send("POST", "/v1/agents/" + v + "/key-packages/claim", Json.object(), s)).run();
            hub.send("POST", "/v1/agents/" + v + "/key-packages/claim", Json.object(), peer.signer());
        });
        cases.put("POST /v1/groups", open("registers a new group whose only member is the caller's installation;"
                + " an existing id answers 409 group_exists"));
        cases.put("GET /v1/direct/{id}", deniedThenOwn(true,
                s -> hub.send("GET", "/v1/direct/" + peer.id(), null, s), victim));
        // Before the commit below, which uploads no GroupInfo (and so drops the stored one).
        cases.put("GET /v1/groups/{group}/group-info/{installation}", deniedThenOwn(false,
                s -> hub.send("GET", "/v1/groups/" + g + "/group-info/" + inst1, null, s), victim));

        cases.put("POST /v1/groups/{group}/commits", commit);
        cases.put("POST /v1/groups/{group}/messages", message);
        cases.put("GET /v1/inbox/{installation}", deniedThenOwn(true,
                s -> hub.send("GET", "/v1/inbox/" + inst2, null, s), victim));
        // inst2 has a Welcome and texts waiting, so the victim's long poll answers at once.
        cases.put("GET /v1/inbox/{installation}/wait", deniedThenOwn(true,
                s -> hub.send("GET", "/v1/inbox/" + inst2 + "/wait", null, s), victim));
        cases.put("POST /v1/inbox/{installation}/push-ticket", deniedThenOwn(true,
                s -> hub.send("POST", "/v1/inbox/" + inst2 + "/push-ticket", Json.object(), s), victim));
        cases.put("POST /v1/inbox/{installation}/ack", () -> {
            ObjectNode body = Json.object();
            body.putArray("acks").addObject().put("group", g).put("seq", 1);
            deniedThenOwn(true, s -> hub.send("POST", "/v1/inbox/" + inst2 + "/ack", body, s), victim).run();
        });
        cases.put("POST /v1/groups/{group}/leave", deniedThenOwn(false,
                s -> hub.send("POST", "/v1/groups/" + g + "/leave", Json.object().put("installation", inst2), s),
                victim));
        cases.put("POST /v1/contacts/deny", open("changes only the caller's own list of refused senders"));
        cases.put("POST /v1/contacts/allow", open("changes only the caller's own list of refused senders"));
        // Skills.
        cases.put("POST /v1/namespaces", () -> {
            for (HubFixture.Party stranger : strangers) {
                HubException e = refused(() -> skills.claimNamespace(stranger.signer(), "victim", false));
                assertThat(e.status()).as(e.getMessage()).isEqualTo(403);
            }
        });
        cases.put("GET /v1/namespaces/{namespace}", open("namespace claims are public"));
        cases.put("PUT /v1/packages/{digest}", open("package bytes are content-addressed and public once published;"
                + " uploads count against the uploader's own quota"));
        cases.put("PUT /v1/packages/{digest}/parts/{part}", open("parts are kept per uploader; they are the"
                + " caller's own"));
        cases.put("POST /v1/packages/{digest}/assemble", () -> {
            // Parts are per uploader: a stranger's assemble never sees the victim's parts (400 missing_part, not
            // theirs to join), and the victim's own still works afterwards.
            assertThat(hub.sendRaw("PUT", "/v1/packages/" + nextDigest + "/parts/0", next, victim,
                    Map.of("Content-Type", "application/octet-stream")).statusCode()).isEqualTo(201);
            ObjectNode body = Json.object().put("parts", 1);
            for (HubFixture.Party stranger : strangers) {
                HubException e = refused(() -> hub.send("POST", "/v1/packages/" + nextDigest + "/assemble", body,
                        stranger.signer()));
                assertThat(e.reason()).isEqualTo("missing_part");
            }
            hub.send("POST", "/v1/packages/" + nextDigest + "/assemble", body, victim);
        });
        cases.put("GET /v1/packages/{digest}", open("package bytes are public"));
        cases.put("POST /v1/skills", () -> {
            for (HubFixture.Party stranger : strangers) {
                // The stranger's own, properly signed publication of a version in the victim's namespace.
                HubException e = refused(() -> skills.publish(stranger.signer(),
                        SkillsClient.signPublication(next, stranger.signer()), false));
                assertThat(e.status()).as(e.getMessage()).isEqualTo(403);
            }
            skills.publish(victim, SkillsClient.signPublication(next, victim), false);
        });
        cases.put("GET /v1/skills", open("the registry is public"));
        cases.put("GET /v1/skills/{namespace}/{name}", open("the registry is public"));
        cases.put("POST /v1/attestations", open("audits, vouches and revocations by others are the point; whether a"
                + " revocation counts is decided by RevocationRule (author or quorum), not by who may post"));
        // Reputation: computed from the public log, so public like it.
        cases.put("GET /v1/reputation", open("scores are a public function of the public log"));
        cases.put("GET /v1/reputation/scores/{page}", open("scores are a public function of the public log"));
        cases.put("GET /v1/reputation/{id}", open("scores are a public function of the public log"));
        // Tasks: the victim's task to a named peer is secret to everyone else (404), and only its requester
        // records the room or closes it; the named peer claims and answers.
        dev.carapace.tasks.Task sealedTask = dev.carapace.tasks.Task.create(victimAgent.log(), victimAgent.key(),
                "victim-topic", List.of(peer.id()), new dev.carapace.tasks.Task.Body("victim's question", null), null,
                1, System.currentTimeMillis() + 600_000, dev.carapace.tasks.Task.RoomRules.defaults(),
                System.currentTimeMillis());
        String tid = sealedTask.id();
        Signer peerSigner = peer.signer();
        cases.put("POST /v1/tasks", () -> {
            ObjectNode body = Json.object();
            body.set("task", sealedTask.envelope().toJson());
            // The victim's signed task, sent by a stranger: refused for naming another requester.
            denied(false, s -> hub.send("POST", "/v1/tasks", body, s)).run();
            hub.send("POST", "/v1/tasks", body, victim);
        });
        cases.put("GET /v1/tasks", open("lists only what the caller sees: public tasks of its topics, tasks"
                + " addressed to it, its own (TasksTest)"));
        cases.put("GET /v1/tasks/{task}", deniedThenOwn(true, s -> hub.send("GET", "/v1/tasks/" + tid, null, s),
                victim));
        cases.put("POST /v1/tasks/{task}/claim", deniedThenOwn(true, s -> hub.send("POST", "/v1/tasks/" + tid
                + "/claim", Json.object(), s), peerSigner));
        dev.carapace.tasks.TaskResponse peerResponse = dev.carapace.tasks.TaskResponse.create(peer.log(), peer.key(),
                tid, new dev.carapace.tasks.TaskResponse.Content("peer's answer", null, null),
                System.currentTimeMillis());
        cases.put("POST /v1/tasks/{task}/responses", () -> {
            ObjectNode body = Json.object();
            body.set("response", peerResponse.envelope().toJson());
            deniedThenOwn(true, s -> hub.send("POST", "/v1/tasks/" + tid + "/responses", body, s), peerSigner)
                    .run();
        });
        cases.put("POST /v1/tasks/{task}/room", deniedThenOwn(true, s -> hub.send("POST", "/v1/tasks/" + tid
                + "/room", Json.object().put("group", "victimRoom01"), s), victim));
        cases.put("POST /v1/tasks/{task}/close", () -> {
            dev.carapace.tasks.TaskOutcome outcome = dev.carapace.tasks.TaskOutcome.create(victimAgent.log(),
                    victimAgent.key(), tid, dev.carapace.tasks.Consensus.Result.NONE, List.of(), List.of(),
                    System.currentTimeMillis());
            ObjectNode body = Json.object();
            body.set("outcome", outcome.envelope().toJson());
            deniedThenOwn(true, s -> hub.send("POST", "/v1/tasks/" + tid + "/close", body, s), victim).run();
            // The peer sees the task but is not its requester: 403.
            assertThat(refused(() -> hub.send("POST", "/v1/tasks/" + tid + "/close", body, peerSigner)).status())
                    .isEqualTo(403);
        });
        cases.put("GET /v1/topics", open("the caller's own subscriptions"));
        cases.put("GET /v1/topics/{topic}/tasks", open("public tasks of a topic; tasks to named agents only to"
                + " them and their requester (TasksTest)"));
        cases.put("POST /v1/topics/{topic}/subscribe", open("changes only the caller's own subscriptions"));
        cases.put("POST /v1/topics/{topic}/unsubscribe", open("changes only the caller's own subscriptions"));
        // Operations.
        cases.put("GET /healthz", open("liveness"));
        cases.put("GET /v1/openapi.json", open("the API description"));
        cases.put("GET /.well-known/carapace", open("the hub's public keys and endpoints"));

        TreeSet<String> table = new TreeSet<>();
        for (Route r : f.hub.routes()) {
            table.add(r.method() + " " + r.pattern());
        }
        assertThat(new TreeSet<>(cases.keySet())).as("every route of the routing table has its case here, and no"
                + " case names a route that is gone").isEqualTo(table);
        List<String> holes = new java.util.ArrayList<>();
        for (Map.Entry<String, Check> c : cases.entrySet()) {
            try {
                c.getValue().run();
            } catch (AssertionError | Exception e) {
                holes.add(c.getKey() + ": " + e.getMessage());
            }
        }
        assertThat(holes).as("routes that do not refuse a stranger as they should").isEmpty();

        // Nothing of the victims changed but what they did themselves.
        assertThat(hub.ownerProfile(victimOwner.signer(), o).get("email").asString()).isEqualTo("victim@example.org");
        assertThat(hub.agentOwner(victim, v).get("owner").asString()).isEqualTo(o);
        assertThat(hub.identity(v).currentSeq()).isZero();
        for (JsonNode e : hub.accessLog(victimOwner.signer(), o).get("entries")) {
            assertThat(e.get("actor").asString()).isEqualTo(o);
        }
        assertThat(skills.namespace("victim").get("owner").asString()).isEqualTo(v);
    }

    private static HubException refused(Check attempt) {
        try {
            attempt.run();
        } catch (HubException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the request was accepted");
    }
}
