package dev.carapace.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.SignedNote;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A hostile log, played by a small HTTP server whose signing key is real: it shows this client one history and then
 * another. The client must refuse, with both signed checkpoints as evidence, and keep refusing.
 */
class LogVerifierSplitViewTest {
    static final String ORIGIN = "evil.example/log";

    @TempDir
    Path dir;

    final Ed25519KeyPair key = Ed25519KeyPair.generate();
    final NoteVerifier vkey = NoteVerifier.of(ORIGIN, key.publicKey());
    HttpServer server;
    volatile List<byte[]> served = leaves(10, "a");
    /** The tree the server computes consistency proofs from: the history it claims to extend. */
    volatile List<byte[]> history = leaves(10, "a");
    volatile String announcedKey = vkey.encode();
    volatile boolean tamperInclusion;

    static List<byte[]> leaves(int n, String salt) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Merkle.leafHash((salt + i).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    String note(List<byte[]> tree) {
        return SignedNote.sign(new Checkpoint(ORIGIN, tree.size(), Merkle.root(tree), List.of()).text(), ORIGIN, key);
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] body;
            int status = 200;
            if (path.equals("/.well-known/carapace")) {
                ObjectNode o = Json.object();
                o.putObject("log").put("origin", ORIGIN).put("vkey", announcedKey);
                body = Json.compact(o).getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/checkpoint")) {
                body = note(served).getBytes(StandardCharsets.UTF_8);
            } else if (path.startsWith("/v1/log/proof/consistency/")) {
                String[] p = path.split("/");
                int from = Integer.parseInt(p[5]);
                ObjectNode o = Json.object();
                ArrayNode arr = o.putArray("proof");
                Merkle.consistencyProof(history.subList(0, Integer.parseInt(p[6])), from)
                        .forEach(h -> arr.add(Bytes.b64(h)));
                body = Json.compact(o).getBytes(StandardCharsets.UTF_8);
            } else if (path.startsWith("/v1/log/proof/inclusion/")) {
                String[] p = path.split("/");
                ObjectNode o = Json.object();
                ArrayNode arr = o.putArray("proof");
                List<byte[]> proof = Merkle.inclusionProof(history.subList(0, Integer.parseInt(p[6])),
                        Integer.parseInt(p[5]));
                if (tamperInclusion && !proof.isEmpty()) {
                    proof.get(0)[0] ^= 1;
                }
                proof.forEach(h -> arr.add(Bytes.b64(h)));
                body = Json.compact(o).getBytes(StandardCharsets.UTF_8);
            } else {
                status = 404;
                body = "{\"reason\":\"not_found\",\"error\":\"no\"}".getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    LogVerifier connect() throws Exception {
        HubClient hub = new HubClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
        return LogVerifier.connect(hub, new TrustedLogs(dir), List.of(), 0);
    }

    @Test
    void consistentGrowthIsAcceptedAndStored() throws Exception {
        assertThat(connect().update().checkpoint().size()).isEqualTo(10);
        served = leaves(25, "a");
        history = served;
        assertThat(connect().update().checkpoint().size()).isEqualTo(25);
        assertThat(connect().trusted().size()).isEqualTo(25);
        // An older (but consistent) checkpoint does not roll the client back.
        served = leaves(12, "a");
        assertThat(connect().update().checkpoint().size()).isEqualTo(12);
        assertThat(connect().trusted().size()).isEqualTo(25);
    }

    @Test
    void sameSizeDifferentRootIsASplitView() throws Exception {
        connect().update();
        String trusted = note(served);
        served = leaves(10, "b");
        assertThatThrownBy(() -> connect().update()).isInstanceOfSatisfying(SplitViewException.class, e -> {
            assertThat(e.getMessage()).contains("different roots");
            assertThat(e.trustedCheckpoint()).isEqualTo(trusted);
            assertThat(e.conflictingCheckpoint()).isEqualTo(note(leaves(10, "b")));
        });
        // Nothing was stored: the client still trusts the first history and keeps refusing the second.
        assertThat(connect().trusted().root()).isEqualTo(Merkle.root(leaves(10, "a")));
        assertThatThrownBy(() -> connect().update()).isInstanceOf(SplitViewException.class);
    }

    @Test
    void aLargerTreeThatRewritesHistoryIsASplitView() throws Exception {
        connect().update();
        served = leaves(20, "b"); // a different first 10 leaves: no valid consistency proof exists
        history = served;
        assertThatThrownBy(() -> connect().update()).isInstanceOfSatisfying(SplitViewException.class, e -> {
            assertThat(e.getMessage()).contains("not consistent");
            assertThat(e.conflictingCheckpoint()).contains("\n20\n");
        });
        served = leaves(5, "b"); // older than the trusted checkpoint, and from the other history
        history = leaves(10, "b");
        assertThatThrownBy(() -> connect().update()).isInstanceOf(SplitViewException.class);
    }

    @Test
    void anInclusionProofThatDoesNotVerifyIsRefused() throws Exception {
        LogVerifier v = connect();
        byte[] entry = ("a" + 3).getBytes(StandardCharsets.UTF_8);
        assertThat(v.verifyInclusion(3, entry).size()).isEqualTo(10);
        tamperInclusion = true;
        assertThatThrownBy(() -> connect().verifyInclusion(3, entry)).isInstanceOf(LogVerificationException.class)
                .hasMessageContaining("not in the log");
        // An entry the log never held is refused under an honest proof too; the trusted checkpoint is unchanged.
        tamperInclusion = false;
        assertThatThrownBy(() -> connect().verifyInclusion(3, "b3".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(LogVerificationException.class);
        assertThat(connect().trusted().root()).isEqualTo(Merkle.root(leaves(10, "a")));
    }

    @Test
    void aChangedLogKeyIsRefused() throws Exception {
        connect().update();
        announcedKey = NoteVerifier.of(ORIGIN, Ed25519KeyPair.generate().publicKey()).encode();
        assertThatThrownBy(this::connect).isInstanceOf(LogVerificationException.class)
                .hasMessageContaining("another key");
    }
}
