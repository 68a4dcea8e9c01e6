package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.carapace.hub.Backend;
import dev.carapace.hub.HubFixture;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 13: every aborted body logged a 30-line stack trace at ERROR (1,159 of them in one test). A client's fault
 * is at most one line below WARN, and never a stack trace.
 */
class ClientFaultLoggingAttackTest {
    @TempDir
    Path dir;

    @Test
    void abortedBodiesLogNoErrorsAndNoStackTraces() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        root.addAppender(events);
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir)) {
            for (int i = 0; i < 30; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", f.hub.port()));
                    s.getOutputStream().write(("POST /v1/key-packages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"install")
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    Thread.sleep(20); // let the hub start reading the body
                    s.setSoLinger(true, 0); // abort: the peer sees a reset
                }
            }
            Thread.sleep(1_000); // the hub notices the aborts asynchronously
            assertThat(f.client.sendRaw("GET", "/healthz", new byte[0], null, Map.of()).statusCode()).isEqualTo(200);
        } finally {
            root.detachAppender(events);
        }
        assertThat(events.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
        assertThat(events.list).noneMatch(e -> e.getThrowableProxy() != null);
    }
}
