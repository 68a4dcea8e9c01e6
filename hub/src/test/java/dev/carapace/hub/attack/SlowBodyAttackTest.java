package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.hub.Backend;
import dev.carapace.hub.HubConfig;
import dev.carapace.hub.HubFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13: about 260 connections from one address, each declaring a 100 kB body and sending it a byte at a time,
 * held every request thread, so {@code /healthz} stopped answering. Connections per address are capped, a body must
 * arrive within a deadline, and waiting for body bytes holds no thread.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class SlowBodyAttackTest {
    /** More slow connections than the hub has request threads (Jetty's virtual thread pool admits 200). */
    static final int SLOW = 260;

    @Parameter
    Backend backend;

    @TempDir
    Path dir;

    /** A connection from another loopback address (127.0.0.2) that declares a body and sends one byte of it. */
    private static Socket slowBody(int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0.2", 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.getOutputStream().write(("POST /v1/key-packages HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Whether the hub has closed the connection within {@code ms} (an answer followed by the close counts). */
    private static boolean closedWithin(Socket s, int ms) {
        try {
            s.setSoTimeout(ms);
            InputStream in = s.getInputStream();
            while (in.read(new byte[4096]) >= 0) {
                // an error answer may come first
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void slowBodiesFromOneAddressLeaveTheHubServingOthers() throws Exception {
        try (HubFixture f = new HubFixture(backend, dir);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            HubFixture.Party agent = f.agent();
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < SLOW; i++) {
                    slow.add(slowBody(f.hub.port()));
                }
                // While they are open, other clients are served: a public and a signed request.
                assertThat(f.client.sendRaw("GET", "/healthz", new byte[0], null, Map.of()).statusCode())
                        .isEqualTo(200);
                assertThat(f.client.sendRaw("GET", "/v1/agents/" + agent.id() + "/owner", new byte[0],
                        agent.signer(), Map.of()).statusCode()).isEqualTo(404);

                // Connections beyond the per-address cap were closed at once.
                List<Future<Boolean>> closed = new ArrayList<>();
                for (Socket s : slow) {
                    closed.add(pool.submit(() -> closedWithin(s, 3_000)));
                }
                int n = 0;
                for (Future<Boolean> c : closed) {
                    n += c.get() ? 1 : 0;
                }
                assertThat(n).isGreaterThanOrEqualTo(SLOW - HubConfig.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);

                // The ones within the cap are answered 408 and closed once the body deadline passes.
                Socket kept = null;
                for (int i = 0; i < slow.size() && kept == null; i++) {
                    if (!closed.get(i).get()) {
                        kept = slow.get(i);
                    }
                }
                assertThat(kept).isNotNull();
                kept.setSoTimeout(90_000);
                String answer = new String(kept.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 408");
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }
}
