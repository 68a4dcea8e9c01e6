package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.TrustedLogs;
import dev.carapace.client.chat.ChatClient;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.crypto.Keystore;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second line of defence behind the home lock: a writer that read the home before another one changed it is
 * refused, for the chat state, the identity and the trusted log checkpoints, instead of writing back what it read.
 */
class HomeRollbackTest {
    @TempDir
    Path dir;

    Hub hub;
    URI url;
    CliTestSupport alice;

    @BeforeEach
    void setUp() throws Exception {
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
        url = hub.url();
        alice = new CliTestSupport(Files.createDirectories(dir.resolve("alice")));
        ok(alice.run("id", "new", "--name", "alice"));
        ok(alice.run("agent", "register", "--hub", url.toString()));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private static CliTestSupport.Result ok(CliTestSupport.Result r) {
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        return r;
    }

    private Home home() {
        HomeOptions o = new HomeOptions();
        o.home = alice.home();
        o.passphraseFile = alice.passphraseFile();
        return o.open();
    }

    @Test
    void aChatClientThatReadBeforeAnotherWroteIsRefused() throws Exception {
        String group = Json.parse(ok(alice.run("chat", "new", "--json", "--hub", url.toString())).out())
                .get("group").asString();
        PrintWriter err = new PrintWriter(new StringWriter());
        ChatClient first = ChatCommand.open(home(), url, err);
        ChatClient second = ChatCommand.open(home(), url, err);
        long before = second.group(group).epoch(); // the second one has read the group
        assertThat(first.update(group)).isEqualTo(before + 1);
        assertThatThrownBy(() -> second.send(group, "from an older state"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("changed on disk");
        second.reload();
        assertThat(second.group(group).epoch()).isEqualTo(before + 1);
        second.send(group, "from the current state");
    }

    @Test
    void anIdentityThatDoesNotExtendTheOneOnDiskIsRefused() throws Exception {
        Home home = home();
        Home.Identity read = home.identity();
        try (Keystore.Keys keysRead = home.unlock(read.log().id())) {
            ok(alice.run("id", "rotate")); // another process rotates meanwhile
            char[] pass = "test passphrase".toCharArray();
            // Writing back the identity as read would undo the rotation.
            assertThatThrownBy(() -> home.save("alice", read.log(), keysRead, pass))
                    .isInstanceOf(CliException.class).hasMessageContaining("changed meanwhile");
            // A rotation computed from what was read is a sibling of the one on disk (a fork): refused too.
            try (Ed25519KeyPair current = keysRead.next(); Ed25519KeyPair next = Ed25519KeyPair.generate();
                 Keystore.Keys keys = new Keystore.Keys(current.seed(), next.seed())) {
                KeyEventLog sibling = read.log().rotate(current, next.publicKey(), System.currentTimeMillis());
                assertThatThrownBy(() -> home.save("alice", sibling, keys, pass))
                        .isInstanceOf(CliException.class).hasMessageContaining("changed meanwhile");
            }
        }
        assertThat(ok(alice.run("id", "rotate")).out()).contains("rotations: 2");
    }

    @Test
    void aTrustedCheckpointNeverMovesBack() throws Exception {
        ok(alice.run("log", "checkpoint", "--hub", url.toString()));
        TrustedLogs store = LogTrustOptions.store(home());
        String origin = Json.parse(ok(alice.run("log", "checkpoint", "--json", "--hub", url.toString())).out())
                .get("origin").asString();
        TrustedLogs.State old = store.load(origin);
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "a statement");
        ok(alice.run("sign", f.toString()));
        ok(alice.run("log", "append", f + ".dsse.json", "--hub", url.toString())); // trusts a larger checkpoint
        assertThatThrownBy(() -> store.save(old)).isInstanceOf(IOException.class)
                .hasMessageContaining("older than the trusted one");
        assertThatThrownBy(() -> store.save(new TrustedLogs.State(origin, old.key(), null, null)))
                .isInstanceOf(IOException.class);
    }
}
