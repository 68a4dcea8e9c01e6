package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.Json;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.group.ExternalJoin;
import dev.carapace.mls.group.Group;
import dev.carapace.mls.group.GroupConfig;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.message.Credential;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** End-to-end encrypted groups through the hub, in-process clients, on both storage backends. */
class ChatTest extends BackendTest {

    private ChatClient chat(HubFixture.Party p, String name) throws Exception {
        ChatClient c = ChatClient.open(f.client, p.log(), p.key(), dir.resolve("chat-" + name), Bytes.random(32));
        c.publishKeyPackages();
        return c;
    }

    private static List<String> texts(List<ChatClient.ChatMessage> ms) {
        return ms.stream().map(ChatClient.ChatMessage::text).toList();
    }

    @Test
    void threeAgentsKeepOneGroupThroughAddsRemovesAndUpdates() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        HubFixture.Party pc = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        ChatClient c = chat(pc, "c");
        b.allow(pa.id());
        c.allow(pa.id());
        c.allow(pb.id());
        b.allow(pc.id());

        String g = a.createGroup("ops");
        a.invite(g, List.of(pb.id(), pc.id()));
        a.send(g, "hello both");
        assertThat(texts(b.read(g))).containsExactly("hello both");
        assertThat(texts(c.read(g))).containsExactly("hello both");
        assertThat(b.group(g).members()).containsExactlyInAnyOrder(pa.id(), pb.id(), pc.id());

        b.update(g);
        c.send(g, "after b's update");
        assertThat(texts(a.read(g))).containsExactly("after b's update");
        assertThat(texts(b.read(g))).containsExactly("after b's update");

        a.remove(g, pc.id());
        a.send(g, "c is gone");
        assertThat(texts(b.read(g))).containsExactly("c is gone");
        // The removed member learns it was removed and cannot read anything sent after.
        ChatClient.SyncReport cs = c.sync();
        assertThat(cs.removedFrom()).containsExactly(g);
        assertThat(texts(cs.received())).doesNotContain("c is gone");
        assertThat(c.group(g).removed()).isTrue();
        assertThatThrownBy(() -> c.send(g, "still here?")).isInstanceOf(IllegalStateException.class);

        // Added back: a fresh leaf, readable again; epochs agree everywhere.
        a.invite(g, List.of(pc.id()));
        a.send(g, "welcome back");
        assertThat(texts(c.read(g))).containsExactly("welcome back");
        assertThat(texts(b.read(g))).containsExactly("welcome back");
        assertThat(a.group(g).epoch()).isEqualTo(b.group(g).epoch()).isEqualTo(c.group(g).epoch());
    }

    @Test
    void removedAndAddedBackBeforeSyncingStillRejoins() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        b.allow(pa.id());
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id()));
        b.sync();
        // b is offline while a removes it, says something, and adds it back: b never sees its removal.
        a.remove(g, pb.id());
        a.send(g, "while b was out");
        a.invite(g, List.of(pb.id()));
        a.send(g, "b is back");
        ChatClient.SyncReport r = b.sync();
        assertThat(r.joined()).containsExactly(g);
        assertThat(texts(b.read(g))).containsExactly("b is back");
        assertThat(b.group(g).epoch()).isEqualTo(a.group(g).epoch());
    }

    @Test
    void nonAdminCannotAddOrRemove() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        HubFixture.Party pc = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        chat(pc, "c");
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id()));
        b.sync();
        assertThat(b.group(g).admins()).containsExactly(pa.id());
        assertThatThrownBy(() -> b.invite(g, List.of(pc.id()))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.remove(g, pa.id())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void offlineMemberGetsEverythingExactlyOnceAfterRestart() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a = chat(pa, "a");
        Path bDir = dir.resolve("chat-b");
        byte[] bKey = Bytes.random(32);
        ChatClient b = ChatClient.open(f.client, pb.log(), pb.key(), bDir, bKey);
        b.publishKeyPackages();
        b.allow(pa.id());
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id()));
        b.sync();
        // b goes away; a keeps talking and rotates keys meanwhile.
        for (int i = 0; i < 5; i++) {
            a.send(g, "m" + i);
        }
        a.update(g);
        for (int i = 5; i < 10; i++) {
            a.send(g, "m" + i);
        }
        // A new process for b, from its encrypted state on disk.
        ChatClient b2 = ChatClient.open(f.client, pb.log(), pb.key(), bDir, bKey);
        assertThat(texts(b2.read(g))).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
        assertThat(b2.read(g)).isEmpty();
        assertThat(ChatClient.open(f.client, pb.log(), pb.key(), bDir, bKey).read(g)).isEmpty();
        // The state on disk is sealed: another key cannot open it.
        assertThatThrownBy(() -> ChatClient.open(f.client, pb.log(), pb.key(), bDir, Bytes.random(32)))
                .isInstanceOf(java.io.IOException.class);
    }

    @Test
    void aRotatedAgentIsInvitedWithKeyPackagesCertifiedByItsCurrentKey() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a = chat(pa, "a");
        Path bDir = dir.resolve("chat-b");
        byte[] bKey = Bytes.random(32);
        ChatClient b = ChatClient.open(f.client, pb.log(), pb.key(), bDir, bKey);
        b.publishKeyPackages(); // a full supply and a last-resort one, all certified by key #0
        b.allow(pa.id());
        dev.carapace.crypto.KeyEventLog rotated = pb.log().rotate(pb.next(),
                dev.carapace.crypto.Ed25519KeyPair.generate().publicKey(), System.currentTimeMillis());
        f.client.publishKeyEvents(rotated, pb.next());

        // Before b tops up, the hub hands out none of the KeyPackages the old key certified.
        String early = a.createGroup("early");
        assertThatThrownBy(() -> a.invite(early, List.of(pb.id())))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(404));

        // b's next sync replaces them, and a invites b.
        ChatClient b2 = ChatClient.open(f.client, rotated, pb.next(), bDir, bKey);
        b2.sync();
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id()));
        b2.sync();
        a.send(g, "welcome back");
        assertThat(texts(b2.read(g))).containsExactly("welcome back");
    }

    @Test
    void concurrentCommitsOneWinsTheOtherRebasesNoFork() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        HubFixture.Party pc = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        ChatClient c = chat(pc, "c");
        b.allow(pa.id());
        c.allow(pa.id());
        c.allow(pb.id());
        a.allow(pb.id());
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id(), pc.id()));
        b.sync();
        c.sync();
        long start = a.group(g).epoch();
        // Both commit from the same epoch at the same moment: the hub accepts one, the other re-bases.
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Long>> done = new ArrayList<>();
        for (ChatClient who : List.of(a, b)) {
            done.add(pool.submit((Callable<Long>) () -> {
                barrier.await();
                return who.update(g);
            }));
        }
        for (Future<Long> d : done) {
            d.get();
        }
        pool.shutdown();
        a.sync();
        b.sync();
        c.sync();
        assertThat(a.group(g).epoch()).isEqualTo(start + 2);
        assertThat(b.group(g).epoch()).isEqualTo(start + 2);
        assertThat(c.group(g).epoch()).isEqualTo(start + 2);
        b.send(g, "same epoch everywhere");
        assertThat(texts(a.read(g))).containsExactly("same epoch everywhere");
        assertThat(texts(c.read(g))).containsExactly("same epoch everywhere");
    }

    @Test
    void ciphertextTamperedAtTheHubIsRejected() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        b.allow(pa.id());
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id()));
        b.sync();
        long seq = a.send(g, "pay 10 coins");
        a.send(g, "untouched");
        f.hub.database().inTransaction(c -> {
            byte[] body;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT body FROM chat_messages WHERE group_id = ? AND seq = ?")) {
                ps.setString(1, g);
                ps.setLong(2, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    body = rs.getBytes(1);
                }
            }
            body[body.length - 5] ^= 0x01;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE chat_messages SET body = ? WHERE group_id = ? AND seq = ?")) {
                ps.setBytes(1, body);
                ps.setString(2, g);
                ps.setLong(3, seq);
                ps.executeUpdate();
            }
            return null;
        });
        ChatClient.SyncReport r = b.sync();
        assertThat(r.rejected()).anyMatch(s -> s.contains("#" + seq + ": message refused"));
        assertThat(texts(b.read(g))).containsExactly("untouched");
    }

    @Test
    void hubDatabaseHoldsNoPlaintextAndDeniesDeniedSenders() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        HubFixture.Party pm = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        ChatClient m = chat(pm, "m");
        String secret = "the-launch-code-is-" + Bytes.b64url(Bytes.random(9));
        String g = a.createGroup("secret-group-name-xyzzy");
        a.invite(g, List.of(pb.id(), pm.id()));
        a.send(g, secret);
        // Not allowed yet: the message waits in b's request box.
        ChatClient.SyncReport first = b.sync();
        assertThat(first.rejected()).isEmpty();
        assertThat(first.joined()).containsExactly(g);
        assertThat(b.read(g)).isEmpty();
        assertThat(texts(b.requests())).containsExactly(secret);
        b.allow(pa.id());
        assertThat(texts(b.read(g))).containsExactly(secret);

        // b denies m: the hub drops m's messages to b and refuses m b's KeyPackages.
        b.deny(pm.id());
        m.send(g, "spam from m");
        assertThat(b.sync().rejected()).isEmpty();
        assertThat(b.requests()).isEmpty();
        assertThat(b.read(g)).isEmpty();
        HubException refused = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", "/v1/agents/" + pb.id() + "/key-packages/claim", Json.object(), pm.signer()));
        assertThat(refused.status()).isEqualTo(403);
        // The denied member's commits still reach b, or b's state would fall behind the group's.
        m.update(g);
        b.sync();
        assertThat(b.group(g).epoch()).isEqualTo(m.group(g).epoch());
        a.send(g, "after m's update");
        assertThat(texts(b.read(g))).containsExactly("after m's update");

        for (String needle : List.of(secret, "secret-group-name-xyzzy", "spam from m")) {
            assertThat(dump()).doesNotContain(needle);
        }
    }

    @Test
    void keyPackageClaimsAreLimitedPerClaimerAndTarget() throws Exception {
        HubFixture.Party target = f.agent();
        chat(target, "t"); // publishes KeyPackages
        HubFixture.Party greedy = f.agent();
        HubFixture.Party other = f.agent();
        String path = "/v1/agents/" + target.id() + "/key-packages/claim";
        for (int i = 0; i < dev.carapace.hub.messaging.MessagingApi.CLAIMS_PER_HOUR; i++) {
            f.client.send("POST", path, Json.object(), greedy.signer());
        }
        HubException limited = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", path, Json.object(), greedy.signer()));
        assertThat(limited.status()).isEqualTo(429);
        // Claims of other targets by many fresh identities do not give the greedy claimer a new budget.
        for (int i = 0; i < 20; i++) {
            HubFixture.Party fresh = f.agent(); // has no KeyPackages: the answer is an error, the claim still counts
            org.assertj.core.api.Assertions.catchThrowable(() -> f.client.send("POST",
                    "/v1/agents/" + fresh.id() + "/key-packages/claim", Json.object(), greedy.signer()));
        }
        assertThat(((HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", path, Json.object(), greedy.signer()))).status()).isEqualTo(429);
        // Another new identity from the same address claims as that address: it shares the greedy one's budget.
        assertThat(((HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", path, Json.object(), other.signer()))).status()).isEqualTo(429);
    }

    @Test
    void everyInstallationOfAnAgentIsAMember() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient laptop = chat(pb, "b-laptop");
        ChatClient server = chat(pb, "b-server");
        laptop.allow(pa.id());
        server.allow(pa.id());
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id()));
        a.send(g, "to both of b's installations");
        assertThat(texts(laptop.read(g))).containsExactly("to both of b's installations");
        assertThat(texts(server.read(g))).containsExactly("to both of b's installations");
        assertThat(a.group(g).members()).containsExactlyInAnyOrder(pa.id(), pb.id());
        laptop.send(g, "from the laptop");
        assertThat(texts(server.read(g))).containsExactly("from the laptop");
        assertThat(texts(a.read(g))).containsExactly("from the laptop");
        // Removing the agent removes all its installations.
        a.remove(g, pb.id());
        assertThat(laptop.sync().removedFrom()).containsExactly(g);
        assertThat(server.sync().removedFrom()).containsExactly(g);
    }

    @Test
    void directGroupsAreFoundByThePairAndLeavingRemovesTheMember() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        b.allow(pa.id());
        String dm = a.direct(pb.id());
        assertThat(b.direct(pa.id())).isEqualTo(dm);
        assertThat(a.direct(pb.id())).isEqualTo(dm);
        a.send(dm, "just us");
        assertThat(texts(b.read(dm))).containsExactly("just us");
        assertThat(b.group(dm).members()).containsExactlyInAnyOrder(pa.id(), pb.id());

        // b leaves: the hub stops routing to b at once, and a's client (the admin) commits b's removal.
        b.leave(dm);
        a.sync();
        assertThat(a.group(dm).members()).containsExactly(pa.id());
        a.send(dm, "alone now");
        assertThat(b.group(dm).removed()).isTrue();
        assertThat(b.sync().received()).isEmpty();
    }

    @Test
    void onlineAgentsArePushedAndTicketsAreSingleUse() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        ChatClient a = chat(pa, "a");
        ChatClient b = chat(pb, "b");
        b.allow(pa.id());
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id()));
        java.util.concurrent.Semaphore pushed = new java.util.concurrent.Semaphore(0);
        java.net.http.WebSocket ws = b.openPush(pushed::release);
        try {
            assertThat(pushed.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)).as("catch-up push").isTrue();
            assertThat(b.sync().joined()).containsExactly(g);
            pushed.drainPermits();
            a.send(g, "are you there?");
            assertThat(pushed.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)).as("push on arrival").isTrue();
            assertThat(texts(b.read(g))).containsExactly("are you there?");
        } finally {
            ws.abort();
        }
        // A ticket opens one socket only; a made-up one opens none.
        var ticket = f.client.send("POST", "/v1/inbox/" + b.installationId() + "/push-ticket", Json.object(),
                pb.signer());
        java.net.URI uri = java.net.URI.create(f.hub.url().toString().replace("http", "ws") + "/v1/push?ticket="
                + ticket.get("ticket").asString());
        var http = java.net.http.HttpClient.newHttpClient();
        http.newWebSocketBuilder().buildAsync(uri, new java.net.http.WebSocket.Listener() {}).get().abort();
        assertThatThrownBy(() -> http.newWebSocketBuilder().buildAsync(uri, new java.net.http.WebSocket.Listener() {})
                .get()).hasCauseInstanceOf(java.net.http.WebSocketHandshakeException.class);
        java.net.URI forged = java.net.URI.create(f.hub.url().toString().replace("http", "ws")
                + "/v1/push?ticket=" + Bytes.b64url(Bytes.random(32)));
        assertThatThrownBy(() -> http.newWebSocketBuilder().buildAsync(forged, new java.net.http.WebSocket.Listener() {})
                .get()).hasCauseInstanceOf(java.net.http.WebSocketHandshakeException.class);
    }

    /** Every byte the database holds: the SQLite files, or every PostgreSQL table row rendered as text. */
    private String dump() throws Exception {
        StringBuilder sb = new StringBuilder();
        if (backend == Backend.SQLITE) {
            f.hub.database().write(c -> {
                try (var s = c.createStatement()) {
                    s.execute("PRAGMA wal_checkpoint(FULL)");
                }
                return null;
            });
            try (var files = Files.list(dir)) {
                for (Path p : files.filter(p -> p.getFileName().toString().startsWith("hub.db")).toList()) {
                    sb.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
                }
            }
        } else {
            f.hub.database().read(c -> {
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
                    while (rs.next()) {
                        tables.add(rs.getString("TABLE_NAME"));
                    }
                }
                for (String t : tables) {
                    try (var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + t)) {
                        int n = rs.getMetaData().getColumnCount();
                        while (rs.next()) {
                            for (int i = 1; i <= n; i++) {
                                Object v = rs.getObject(i);
                                sb.append(v instanceof byte[] bytes ? new String(bytes, StandardCharsets.ISO_8859_1)
                                        : String.valueOf(v)).append('\n');
                            }
                        }
                    }
                }
                return null;
            });
        }
        assertThat(sb.length()).isGreaterThan(1000);
        return sb.toString();
    }

    @Test
    void badInputIsRefusedWithClearErrors() throws Exception {
        HubFixture.Party pa = f.agent();
        ChatClient a = chat(pa, "a");
        String g = a.createGroup("g");
        ObjectNode body = Json.object();
        body.put("installation", a.installationId());
        body.put("message", Bytes.b64("not mls".getBytes(StandardCharsets.UTF_8)));
        HubException e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", "/v1/groups/" + g + "/messages", body, pa.signer()));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("invalid_message");
        // Another agent cannot post to, or read the inbox of, an installation that is not its own.
        HubFixture.Party other = f.agent();
        e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", "/v1/groups/" + g + "/messages", body, other.signer()));
        assertThat(e.status()).isEqualTo(400); // still not MLS: validation comes first
        ObjectNode commit = Json.object();
        commit.put("installation", a.installationId());
        commit.put("epoch", 1);
        commit.put("commit", Bytes.b64(new byte[10]));
        e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", "/v1/groups/" + g + "/commits", commit, pa.signer()));
        assertThat(e.status()).isEqualTo(400);
        // Inboxes are per identity: naming another agent's installation finds nothing of it.
        e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("GET", "/v1/inbox/" + a.installationId(), null, other.signer()));
        assertThat(e.status()).isEqualTo(404);
        a.send(g, "still works");
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Three members; b's state folder is returned so a test can roll it back. */
    private record Trio(String g, ChatClient a, ChatClient b, ChatClient c, HubFixture.Party pa,
                        HubFixture.Party pb, HubFixture.Party pc, Path bDir, byte[] bKey) {}

    private Trio trio() throws Exception {
        HubFixture.Party pa = f.agent();
        HubFixture.Party pb = f.agent();
        HubFixture.Party pc = f.agent();
        ChatClient a = chat(pa, "a");
        Path bDir = dir.resolve("chat-b");
        byte[] bKey = Bytes.random(32);
        ChatClient b = ChatClient.open(f.client, pb.log(), pb.key(), bDir, bKey);
        b.publishKeyPackages();
        ChatClient c = chat(pc, "c");
        for (ChatClient x : List.of(a, b, c)) {
            for (HubFixture.Party p : List.of(pa, pb, pc)) {
                if (!p.id().equals(x.agentId())) {
                    x.allow(p.id());
                }
            }
        }
        String g = a.createGroup("g");
        a.invite(g, List.of(pb.id(), pc.id()));
        b.sync();
        c.sync();
        a.send(g, "before");
        assertThat(texts(b.read(g))).containsExactly("before");
        assertThat(texts(c.read(g))).containsExactly("before");
        return new Trio(g, a, b, c, pa, pb, pc, bDir, bKey);
    }

    /** b's update is accepted by the hub, but b's state is rolled back to before it (the answer was lost). */
    private ChatClient lostAnswer(Trio t) throws Exception {
        Path snapshot = dir.resolve("chat-b-snapshot");
        copyTree(t.bDir(), snapshot);
        long before = t.b().group(t.g()).epoch();
        t.b().update(t.g());
        assertThat(t.b().group(t.g()).epoch()).isEqualTo(before + 1);
        copyTree(snapshot, t.bDir());
        ChatClient b2 = ChatClient.open(f.client, t.pb().log(), t.pb().key(), t.bDir(), t.bKey());
        assertThat(b2.group(t.g()).epoch()).isEqualTo(before);
        return b2;
    }

    private static void allAgree(Trio t, ChatClient b) throws Exception {
        t.a().sync();
        b.sync();
        t.c().sync();
        long e = t.a().group(t.g()).epoch();
        assertThat(b.group(t.g()).epoch()).isEqualTo(e);
        assertThat(t.c().group(t.g()).epoch()).isEqualTo(e);
        assertThat(b.group(t.g()).members()).containsExactlyInAnyOrder(t.pa().id(), t.pb().id(), t.pc().id());
        assertThat(t.a().group(t.g()).members()).containsExactlyInAnyOrder(t.pa().id(), t.pb().id(), t.pc().id());
    }

    @Test
    void installationBehindItsOwnAcceptedCommitRejoinsOnSync() throws Exception {
        Trio t = trio();
        ChatClient b = lostAnswer(t);
        String g = t.g();
        t.a().send(g, "while b was stuck");
        ChatClient.SyncReport r = b.sync();
        // What was sent while b was behind is lost to it (forward secrecy); b rejoined.
        assertThat(r.joined()).containsExactly(g);
        assertThat(r.rejected()).anyMatch(s -> s.contains("missed"));
        assertThat(texts(r.received())).isEmpty();
        allAgree(t, b);
        b.send(g, "b is back");
        assertThat(texts(t.a().read(g))).containsExactly("b is back");
        assertThat(texts(t.c().read(g))).containsExactly("while b was stuck", "b is back");
        t.c().send(g, "welcome back, b");
        assertThat(texts(b.read(g))).containsExactly("welcome back, b");
        // Admin operations keep working on the resynced group.
        t.c().update(g);
        t.a().remove(g, t.pc().id());
        b.send(g, "c is gone");
        assertThat(texts(t.a().read(g))).containsExactly("welcome back, b", "c is gone");
        assertThat(b.group(g).epoch()).isEqualTo(t.a().group(g).epoch());
    }

    @Test
    void aRejoinWhoseOwnAnswerIsLostRejoinsAgain() throws Exception {
        Trio t = trio();
        String g = t.g();
        ChatClient stuck = lostAnswer(t);
        Path snapshot = dir.resolve("chat-b-stuck");
        copyTree(t.bDir(), snapshot);
        long behind = stuck.group(g).epoch();
        stuck.send(g, "rejoined once"); // rejoins: the hub accepts the resync ...
        assertThat(stuck.group(g).epoch()).isGreaterThan(behind);
        copyTree(snapshot, t.bDir()); // ... but the answer is lost: the state is the stuck one again
        ChatClient again = ChatClient.open(f.client, t.pb().log(), t.pb().key(), t.bDir(), t.bKey());
        again.send(g, "after two lost answers"); // finds its leaf in the group's tree, whatever its index now
        assertThat(texts(t.a().read(g))).containsExactly("rejoined once", "after two lost answers");
        allAgree(new Trio(g, t.a(), again, t.c(), t.pa(), t.pb(), t.pc(), t.bDir(), t.bKey()), again);
    }

    @Test
    void installationBehindRejoinsOnSendAndOnCommit() throws Exception {
        Trio t = trio();
        String g = t.g();
        ChatClient b = lostAnswer(t);
        // Nothing arrived meanwhile: the hub answers stale_epoch, a sync brings nothing, so b rejoins and resends.
        b.send(g, "sent after rejoining");
        assertThat(texts(t.a().read(g))).containsExactly("sent after rejoining");
        assertThat(texts(t.c().read(g))).containsExactly("sent after rejoining");
        allAgree(t, b);
        // Again, this time the next thing b does is a commit (epoch_conflict, then a rejoin, then the commit).
        Trio again = new Trio(g, t.a(), b, t.c(), t.pa(), t.pb(), t.pc(), t.bDir(), t.bKey());
        ChatClient b3 = lostAnswer(again);
        t.a().sync();
        long hub = t.a().group(g).epoch();
        b3.update(g);
        assertThat(b3.group(g).epoch()).isEqualTo(hub + 2); // the resync, then the update
        allAgree(again, b3);
        t.a().send(g, "to b3");
        assertThat(texts(b3.read(g))).containsExactly("to b3");
    }

    @Test
    void externalCommitsOtherThanOwnResyncsAreRefused() throws Exception {
        Trio t = trio();
        String g = t.g();
        CipherSuite suite = ChatClient.SUITE;
        GroupConfig lenient = GroupConfig.defaults((cred, key) -> { });
        // The GroupInfo is served to routed members only.
        ObjectNode got = (ObjectNode) f.client.send("GET", "/v1/groups/" + g + "/group-info/"
                + t.a().installationId(), null, t.pa().signer());
        assertThat(got.path("epoch").asLong()).isEqualTo(t.a().group(g).epoch());
        MlsMessage gi = MlsMessage.decode(Bytes.fromB64(got.path("groupInfo").asString()));
        HubFixture.Party ps = f.agent();
        ChatClient s = chat(ps, "s");
        HubException e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() -> f.client.send("GET",
                "/v1/groups/" + g + "/group-info/" + s.installationId(), null, ps.signer()));
        assertThat(e.status()).isEqualTo(403);

        // A stranger joining from a (leaked) GroupInfo: the hub does not route the group to it.
        byte[] sKey = suite.generateSignaturePrivateKey();
        Credential sCred = Credential.basic(InstallationCertificate.issue(ps.log(), ps.key(), s.installationId(),
                suite.signaturePublicKey(sKey)));
        ExternalJoin stranger = Group.joinExternal(lenient, gi, null, KeyPackageBundle.create(suite, sCred, sKey,
                java.time.Duration.ofDays(1), ChatClient.CAPABILITIES));
        long epoch = gi.groupInfo().groupContext().epoch();
        ObjectNode body = Json.object();
        body.put("installation", s.installationId());
        body.put("epoch", epoch);
        body.put("commit", Bytes.b64(stranger.commit().encode()));
        e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", "/v1/groups/" + g + "/commits", body, ps.signer()));
        assertThat(e.status()).isEqualTo(403);
        // Nor may a member submit someone else's external commit.
        body.put("installation", t.c().installationId());
        e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", "/v1/groups/" + g + "/commits", body, t.pc().signer()));
        assertThat(e.status()).isEqualTo(403);

        // A member's installation adding a second leaf of its own by an external commit (not a resync, no Remove):
        // the hub refuses it, so it cannot stall the group with a commit every member would refuse (members check
        // the same rule themselves, GroupPolicy.checkResync).
        byte[] cKey = suite.generateSignaturePrivateKey();
        Credential cCred = Credential.basic(InstallationCertificate.issue(t.pc().log(), t.pc().key(),
                t.c().installationId(), suite.signaturePublicKey(cKey)));
        ExternalJoin extra = Group.joinExternal(lenient, gi, null, KeyPackageBundle.create(suite, cCred, cKey,
                java.time.Duration.ofDays(1), ChatClient.CAPABILITIES));
        body.put("commit", Bytes.b64(extra.commit().encode()));
        e = (HubException) org.assertj.core.api.Assertions.catchThrowable(() ->
                f.client.send("POST", "/v1/groups/" + g + "/commits", body, t.pc().signer()));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains("resync");
        for (ChatClient m : List.of(t.a(), t.b())) {
            m.sync();
            assertThat(m.group(g).epoch()).isEqualTo(epoch);
            assertThat(m.group(g).members()).containsExactlyInAnyOrder(t.pa().id(), t.pb().id(), t.pc().id());
        }
        t.a().send(g, "still one group");
        assertThat(texts(t.b().read(g))).containsExactly("still one group");
    }
}
