package dev.carapace.client.chat;

import static dev.carapace.client.chat.FakeHubChat.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.FakeHub.Answer;
import dev.carapace.client.HubException;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.PendingCommit;
import dev.carapace.protocol.ErrorReason;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * The client's contract is that it talks to any hub through the documented protocol: a hub that answers wrongly or
 * hostilely gets a clear refusal, and the client's state stays as it was (same epoch, same cursor, and an honest
 * exchange afterwards still works). Each test plays one kind of bad hub on a {@link FakeHubChat}.
 */
class HostileHubTest {
    @TempDir
    Path dir;

    FakeHubChat h;
    FakeHubChat.Bob bob;

    @BeforeEach
    void setUp() throws Exception {
        h = new FakeHubChat(dir);
        bob = h.new Bob("hostile");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** The state is intact: the same epoch, and bob's next honest message is read, once. */
    private void stillWorks(long epoch, long nextSeq) throws Exception {
        h.inbox.clear();
        assertThat(h.alice.group(bob.group).epoch()).isEqualTo(epoch);
        bob.says("still here", nextSeq);
        assertThat(texts(h.alice.read(bob.group))).containsExactly("still here");
        h.alice.reload();
        assertThat(h.alice.group(bob.group).epoch()).isEqualTo(epoch);
    }

    @Test
    void wrongReasonsAreNotObeyed() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        // epoch_conflict is an answer to a commit, not to a message: no catching up, no sending again.
        h.hub.on("POST", "/v1/groups/([^/]+)/messages", r -> Answer.error(409, "epoch_conflict", "try again"));
        assertThatThrownBy(() -> h.alice.send(bob.group, "hi")).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.error()).isEqualTo(ErrorReason.EPOCH_CONFLICT));
        assertThat(h.hub.received("POST", "/v1/groups/.*/messages")).hasSize(1);
        // stale_epoch is an answer to a message, not to a commit.
        h.hub.on("POST", "/v1/groups/([^/]+)/commits", r -> Answer.error(409, "stale_epoch", "catch up"));
        assertThatThrownBy(() -> h.alice.update(bob.group)).isInstanceOf(HubException.class);
        assertThat(h.hub.received("POST", "/v1/groups/.*/commits")).hasSize(2); // the invite's and this one
        // A known name under another status is not that reason; an unknown one is UNKNOWN.
        h.hub.on("POST", "/v1/groups/([^/]+)/messages", r -> Answer.error(500, "stale_epoch", "?"));
        assertThatThrownBy(() -> h.alice.send(bob.group, "hi")).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.error()).isEqualTo(ErrorReason.UNKNOWN));
        h.hub.on("POST", "/v1/groups/([^/]+)/messages", r -> Answer.error(409, "please_resend", "?"));
        assertThatThrownBy(() -> h.alice.send(bob.group, "hi")).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.error()).isEqualTo(ErrorReason.UNKNOWN));
        assertThat(h.hub.received("POST", "/v1/groups/.*/messages")).hasSize(3);
        stillWorks(epoch, 100);
    }

    @Test
    void aCommitConflictWithoutEndIsGivenUp() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        h.hub.on("POST", "/v1/groups/([^/]+)/commits", r -> Answer.error(409, "epoch_conflict", "lost"));
        h.hub.on("GET", "/v1/groups/([^/]+)/group-info/([^/]+)", r -> Answer.error(404, "not_found", "none"));
        assertThatThrownBy(() -> h.alice.update(bob.group)).isInstanceOf(HubException.class)
                .hasMessageContaining("none");
        stillWorks(epoch, 100);
    }

    @Test
    void aKeyPackageOfAnotherIdentityIsRefused() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        FakeHubChat.Party carol = FakeHubChat.Party.create();
        FakeHubChat.Party mallory = FakeHubChat.Party.create();
        h.hub.identity(carol.log()).identity(mallory.log());
        int commits = h.commits.size();
        // Asked for carol's, the hub hands over mallory's KeyPackage (validly certified, by mallory), labelled
        // first as mallory's installation, then as one of carol's.
        for (String label : List.of("mallory-installation", "carol-installation")) {
            h.hub.on("POST", "/v1/agents/" + carol.id() + "/key-packages/claim", r -> {
                ObjectNode o = Json.object();
                o.putArray("keyPackages").addObject().put("installation", label).put("keyPackage",
                        Bytes.b64(mallory.keyPackage("mallory-installation").keyPackage().encode()));
                return Answer.ok(o);
            });
            assertThatThrownBy(() -> h.alice.invite(bob.group, List.of(carol.id())))
                    .isInstanceOf(MlsException.class).hasMessageContaining("another installation");
        }
        // Bytes that are no KeyPackage at all.
        h.hub.on("POST", "/v1/agents/" + carol.id() + "/key-packages/claim", r -> {
            ObjectNode o = Json.object();
            o.putArray("keyPackages").addObject().put("installation", "carol-installation")
                    .put("keyPackage", Bytes.b64(new byte[] {0, 1, 0, 1, 9}));
            return Answer.ok(o);
        });
        assertThatThrownBy(() -> h.alice.invite(bob.group, List.of(carol.id())))
                .isInstanceOfAny(MlsException.class, IllegalArgumentException.class, HubException.class);
        assertThat(h.commits).hasSize(commits);
        assertThat(h.alice.group(bob.group).members()).doesNotContain(carol.id(), mallory.id());
        stillWorks(epoch, 100);
    }

    @Test
    void aCommitThatDoesNotVerifyIsRefused() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        PendingCommit update = bob.state.update();
        byte[] forged = update.commit().encode();
        forged[forged.length - 3] ^= 1; // inside the AEAD tag: the commit does not decrypt, let alone verify
        h.deliver(bob.group, 10, "commit", epoch, bob.party, bob.installation, MlsMessage.decode(forged));
        ChatClient.SyncReport r = h.alice.sync();
        assertThat(r.rejected()).singleElement().asString().contains("commit refused");
        // Bob's real commit was never merged: he keeps his epoch and speaks in it.
        stillWorks(epoch, 11);
    }

    @Test
    void duplicatedAndReplayedInboxItemsAreAppliedOnce() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        ObjectNode once = bob.says("once", 10);
        h.inbox.add(once.deepCopy()); // the same item twice in one page
        ObjectNode replay = once.deepCopy();
        replay.put("seq", 11); // the same ciphertext again under a new seq
        h.inbox.add(replay);
        ChatClient.SyncReport r = h.alice.sync();
        assertThat(texts(r.received())).containsExactly("once");
        assertThat(r.rejected()).singleElement().asString().contains("#11");
        // A hub that ignores acknowledgements serves the same page again: nothing is applied twice.
        ChatClient.SyncReport again = h.alice.sync();
        assertThat(again.received()).isEmpty();
        assertThat(texts(h.alice.read(bob.group))).containsExactly("once");
        stillWorks(epoch, 12);
    }

    @Test
    void malformedInboxItemsAreRefusedOneByOneNotTheWholeInbox() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        // An item for no group id at all, and one whose body is not base64: each refused, the rest applied.
        h.deliver("../../installation", 10, "application", epoch, bob.party, bob.installation,
                bob.state.encrypt(new byte[] {1}, new byte[0]));
        h.deliver(bob.group, 11, "application", epoch, bob.party, bob.installation,
                bob.state.encrypt(new byte[] {1}, new byte[0])).put("body", "not base64!");
        bob.says("after the junk", 12);
        ChatClient.SyncReport r = h.alice.sync();
        assertThat(texts(r.received())).containsExactly("after the junk");
        assertThat(r.rejected()).hasSize(2).anySatisfy(s -> assertThat(s).contains("not a group id"))
                .anySatisfy(s -> assertThat(s).contains("#11").contains("not base64"));
        // Only the real group is acknowledged, up to the last item.
        ObjectNode ack = (ObjectNode) h.hub.received("POST", "/v1/inbox/.*/ack").get(0).json();
        assertThat(ack.get("acks")).hasSize(1);
        assertThat(ack.get("acks").get(0).get("group").asString()).isEqualTo(bob.group);
        assertThat(ack.get("acks").get(0).get("seq").asLong()).isEqualTo(12);
        assertThat(texts(h.alice.read(bob.group))).containsExactly("after the junk");
        stillWorks(epoch, 100);
    }

    @Test
    void oversizedAnswersAreRefusedUnread() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        byte[] huge = new byte[(int) FakeHubChat.ANSWER_LIMIT + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> new Answer(200, huge, "application/json", 0, false));
        assertThatThrownBy(() -> h.alice.sync()).isInstanceOf(IOException.class)
                .hasMessageContaining("at most " + FakeHubChat.ANSWER_LIMIT + " bytes");
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> new Answer(200, huge, "application/json", 0, true));
        assertThatThrownBy(() -> h.alice.sync()).isInstanceOf(IOException.class)
                .hasMessageContaining("at most " + FakeHubChat.ANSWER_LIMIT + " bytes");
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> {
            ObjectNode o = Json.object();
            o.putArray("items").addAll(h.inbox);
            return Answer.ok(o);
        });
        stillWorks(epoch, 100);
    }

    @Test
    void serverErrorsAndTimeoutsAreClearAndChangeNothing() throws Exception {
        long epoch = h.alice.group(bob.group).epoch();
        bob.says("kept for later", 10);
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> Answer.error(500, "internal", "internal error"));
        assertThatThrownBy(() -> h.alice.sync()).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.error()).isEqualTo(ErrorReason.INTERNAL));
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> Answer.error(503, "storage_unavailable", "later"));
        assertThatThrownBy(() -> h.alice.sync()).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.error()).isEqualTo(ErrorReason.STORAGE_UNAVAILABLE));
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> new Answer(502, "<html>bad gateway</html>"
                .getBytes(StandardCharsets.UTF_8), "text/html", 0, false));
        assertThatThrownBy(() -> h.alice.sync()).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.status()).isEqualTo(502));
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> Answer.ok(Json.object().putArray("items"))
                .delayed(FakeHubChat.TIMEOUT.toMillis() * 3));
        assertThatThrownBy(() -> h.alice.sync()).isInstanceOf(HttpTimeoutException.class)
                .hasMessageContaining("did not answer");
        // The message sent meanwhile was neither lost nor acknowledged: it arrives once the hub answers again.
        h.hub.on("GET", "/v1/inbox/([^/]+)", r -> {
            ObjectNode o = Json.object();
            o.putArray("items").addAll(h.inbox);
            return Answer.ok(o);
        });
        assertThat(h.hub.received("POST", "/v1/inbox/.*/ack")).isEmpty();
        assertThat(texts(h.alice.read(bob.group))).containsExactly("kept for later");
        stillWorks(epoch, 100);
    }
}
