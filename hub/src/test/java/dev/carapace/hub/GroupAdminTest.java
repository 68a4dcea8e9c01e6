package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.carapace.client.HubException;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.client.chat.GroupPolicy;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.Json;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.Proposal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * The hub and the members decide who is a group admin from one source: the group policy in the GroupContext
 * ({@link GroupPolicy}), which the hub reads from the GroupInfo uploaded with the group's creation and its commits.
 * Every installation of an admin agent is an admin; an admin the policy names is one; a member who is not cannot
 * change routing, nor the policy.
 */
class GroupAdminTest extends BackendTest {
    private static final GroupConfig LENIENT = GroupConfig.defaults((cred, key) -> { });

    private ChatClient chat(HubFixture.Party p, String name) throws Exception {
        ChatClient c = ChatClient.open(f.client, p.log(), p.key(), dir.resolve("chat-" + name), Bytes.random(32));
        c.publishKeyPackages();
        return c;
    }

    @Test
    void theCreatorsSecondInstallationIsAnAdmin() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a1 = chat(pa, "a1");
        ChatClient a2 = chat(pa, "a2");
        ChatClient b = chat(pb, "b");
        b.allow(pa.id());
        String g = a1.createGroup("ops");
        a1.invite(g, List.of(pa.id())); // a1's other installation
        a2.sync();
        assertThat(a2.group(g).admins()).containsExactly(pa.id());

        a2.invite(g, List.of(pb.id()));
        a2.send(g, "from the second installation");
        assertThat(b.read(g)).extracting(ChatClient.ChatMessage::text).containsExactly("from the second installation");
        assertThat(b.group(g).members()).containsExactlyInAnyOrder(pa.id(), pb.id());
    }

    private static KeyPackageBundle bundle(HubFixture.Party agent, String installation) {
        byte[] key = ChatClient.SUITE.generateSignaturePrivateKey();
        Credential cred = Credential.basic(InstallationCertificate.issue(agent.log(), agent.key(), installation,
                ChatClient.SUITE.signaturePublicKey(key)));
        return KeyPackageBundle.create(ChatClient.SUITE, cred, key, Duration.ofDays(1), ChatClient.CAPABILITIES);
    }

    private static PendingCommit policy(Group g, Set<String> admins) {
        return g.commit(List.of(new Proposal.GroupContextExtensions(List.of(new GroupPolicy(admins).toExtension()))));
    }

    /** The body of a commit submitted from {@code installation}, with the GroupInfo of the epoch it creates. */
    private static ObjectNode commitBody(String installation, long epoch, PendingCommit pc, Group after) {
        ObjectNode body = Json.object().put("installation", installation).put("epoch", epoch)
                .put("commit", Bytes.b64(pc.commit().encode()))
                .put("groupInfo", Bytes.b64(after.groupInfo(true).encode()));
        if (pc.welcome() != null) {
            body.put("welcome", Bytes.b64(pc.welcome().encode()));
        }
        return body;
    }

    private static ObjectNode routing(ObjectNode body, String field, HubFixture.Party agent, String installation) {
        body.putArray(field).addObject().put("agent", agent.id()).put("installation", installation);
        return body;
    }

    @Test
    void anAdminNamedByThePolicyMayChangeRoutingAndOnlyAdminsMayChangeThePolicy() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        HubFixture.Party pc = f.agent();
        String path;
        byte[] gid = Bytes.random(16);
        String g = Bytes.b64url(gid);
        path = "/v1/groups/" + g + "/commits";

        // The creator installs the policy {a} (epoch 0 to 1), as ChatClient does, and registers the group.
        Group ga = Group.create(LENIENT, gid, bundle(pa, "instA0001"));
        ga.merge(policy(ga, Set.of(pa.id())));
        f.client.send("POST", "/v1/groups", Json.object().put("group", g).put("installation", "instA0001")
                .put("epoch", 1).put("groupInfo", Bytes.b64(ga.groupInfo(true).encode())), pa.signer());
        KeyPackageBundle kb = bundle(pb, "instB0001");
        PendingCommit addB = ga.add(List.of(kb.keyPackage()));
        ga.merge(addB);
        f.client.send("POST", path, routing(commitBody("instA0001", 1, addB, ga), "add", pb, "instB0001"),
                pa.signer());
        Group gb = Group.join(LENIENT, addB.welcome(), kb, null);

        // b, not an admin yet, may not add.
        KeyPackageBundle kc = bundle(pc, "instC0001");
        Group early = Group.load(LENIENT, gb.save());
        PendingCommit tooEarly = early.add(List.of(kc.keyPackage()));
        early.merge(tooEarly);
        HubException e = (HubException) catchThrowable(() -> f.client.send("POST", path,
                routing(commitBody("instB0001", 2, tooEarly, early), "add", pc, "instC0001"), pb.signer()));
        assertThat(e).as("the hub refuses it").isNotNull();
        assertThat(e.status()).isEqualTo(403);

        // The admin names b an admin in the policy; b, now an admin by that policy, adds c.
        PendingCommit promote = policy(ga, Set.of(pa.id(), pb.id()));
        ga.merge(promote);
        f.client.send("POST", path, commitBody("instA0001", 2, promote, ga), pa.signer());
        gb.process(promote.commit());
        PendingCommit addC = gb.add(List.of(kc.keyPackage()));
        gb.merge(addC);
        f.client.send("POST", path, routing(commitBody("instB0001", 3, addC, gb), "add", pc, "instC0001"),
                pb.signer());
        Group gc = Group.join(LENIENT, addC.welcome(), kc, null);

        // c is no admin: it may neither remove b nor make itself an admin (members would refuse both commits, so
        // the hub refuses them before they stall the group).
        Group removing = Group.load(LENIENT, gc.save());
        PendingCommit removeB = removing.remove(List.of(gb.myLeafIndex()));
        removing.merge(removeB);
        e = (HubException) catchThrowable(() -> f.client.send("POST", path,
                routing(commitBody("instC0001", 4, removeB, removing), "remove", pb, "instB0001"), pc.signer()));
        assertThat(e).as("the hub refuses it").isNotNull();
        assertThat(e.status()).isEqualTo(403);
        Group usurping = Group.load(LENIENT, gc.save());
        PendingCommit usurp = policy(usurping, Set.of(pa.id(), pb.id(), pc.id()));
        usurping.merge(usurp);
        e = (HubException) catchThrowable(() -> f.client.send("POST", path,
                commitBody("instC0001", 4, usurp, usurping), pc.signer()));
        assertThat(e).as("the hub refuses it").isNotNull();
        assertThat(e.status()).isEqualTo(403);

        // A plain key update by c, with the unchanged policy, is fine.
        PendingCommit update = gc.update();
        gc.merge(update);
        f.client.send("POST", path, commitBody("instC0001", 4, update, gc), pc.signer());
    }
}
