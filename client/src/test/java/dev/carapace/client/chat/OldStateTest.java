package dev.carapace.client.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * State written by the ChatClient of before its split into parts (test resource {@code old-state}: bob's folder after
 * a group with an unread message from alice, one held from carol, whom bob never allowed, and a group bob was
 * removed from; {@code facts.json} holds bob's identity, keys and what the folder holds) still loads and works.
 */
class OldStateTest {
    @TempDir
    Path dir;

    @Test
    void stateWrittenByTheOldFormatLoads() throws Exception {
        Path src = Path.of(OldStateTest.class.getResource("old-state").toURI());
        try (var files = Files.walk(src)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                Path to = dir.resolve(src.relativize(p).toString());
                Files.createDirectories(to.getParent());
                Files.copy(p, to);
            }
        }
        JsonNode facts = Json.parse(Files.readAllBytes(dir.resolve("facts.json")));
        FakeHubChat.Party bob = new FakeHubChat.Party(KeyEventLog.fromJson(facts.get("identity")),
                Ed25519KeyPair.fromSeed(Bytes.fromB64url(facts.get("seed").asString())));
        String g = facts.get("group").asString();
        try (FakeHubChat h = new FakeHubChat(dir, bob, Bytes.fromB64url(facts.get("storageKey").asString()))) {
            ChatClient c = h.alice; // here: bob's installation, as the old code left it
            assertThat(c.installationId()).isEqualTo(facts.get("installation").asString());
            assertThat(c.groups()).extracting(ChatClient.GroupInfo::group)
                    .containsExactlyInAnyOrder(g, facts.get("removedGroup").asString());
            ChatClient.GroupInfo info = c.group(g);
            assertThat(info.removed()).isFalse();
            assertThat(info.epoch()).isEqualTo(facts.get("groupEpoch").asLong());
            assertThat(info.members()).containsExactlyInAnyOrder(bob.id(), facts.get("alice").asString(),
                    facts.get("carol").asString());
            assertThat(info.admins()).containsExactly(facts.get("alice").asString());
            assertThat(c.group(facts.get("removedGroup").asString()).removed()).isTrue();

            assertThat(c.requests()).extracting(ChatClient.ChatMessage::text).containsExactly("from a stranger");
            assertThat(FakeHubChat.texts(c.read(g))).containsExactly("first");
            c.allow(facts.get("carol").asString());
            assertThat(FakeHubChat.texts(c.read(g))).containsExactly("from a stranger");
            // Written back by this code, read again from disk.
            c.reload();
            assertThat(c.group(g).epoch()).isEqualTo(facts.get("groupEpoch").asLong());
            assertThat(c.requests()).isEmpty();
        }
    }
}
