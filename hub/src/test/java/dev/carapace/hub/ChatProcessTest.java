package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.crypto.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Three agents, each in its own JVM, keep one group through adds, removes and updates, against a hub in a fourth
 * JVM that is killed with SIGKILL and restarted on the same data: nothing it accepted is lost, nothing arrives twice.
 */
class ChatProcessTest {
    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killAll() {
        processes.forEach(Process::destroyForcibly);
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private Process hub() throws Exception {
        Process p = new ProcessBuilder(java(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), HubProcess.class.getName(), dir.resolve("hub").toString())
                .redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    private static URI urlOf(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("URL ")) {
                Thread.ofVirtual().start(() -> {
                    try {
                        while (r.readLine() != null) {
                            // keep the pipe drained
                        }
                    } catch (Exception e) {
                        // gone
                    }
                });
                return URI.create(line.substring(4));
            }
        }
        throw new AssertionError("the hub process did not start");
    }

    /** One agent process and its command channel. */
    private final class Agent {
        final Process process;
        final BufferedReader out;
        final PrintWriter in;
        final String id;

        Agent(String name, URI hub) throws Exception {
            process = new ProcessBuilder(java(), "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), ChatAgentProcess.class.getName(), hub.toString(),
                    dir.resolve(name).toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            processes.add(process);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            String first = out.readLine();
            assertThat(first).startsWith("ID ");
            id = first.substring(3);
        }

        JsonNode run(String... cmd) throws Exception {
            in.println(String.join("\t", cmd));
            String line = out.readLine();
            assertThat(line).as(String.join(" ", cmd)).startsWith("OK ");
            return Json.parse(line.substring(3));
        }

        String fails(String... cmd) throws Exception {
            in.println(String.join("\t", cmd));
            String line = out.readLine();
            assertThat(line).as(String.join(" ", cmd)).startsWith("ERR ");
            return line;
        }

        List<String> read(String group) throws Exception {
            List<String> texts = new ArrayList<>();
            run("read", group).get("texts").forEach(t -> texts.add(t.asString()));
            return texts;
        }
    }

    @Test
    void threeAgentProcessesSurviveAHubKilledWithSigkill() throws Exception {
        Process hub = hub();
        URI url = urlOf(hub);
        Agent a = new Agent("a", url);
        Agent b = new Agent("b", url);
        Agent c = new Agent("c", url);
        for (Agent x : List.of(a, b, c)) {
            for (Agent y : List.of(a, b, c)) {
                if (x != y) {
                    x.run("allow", y.id);
                }
            }
        }
        String g = a.run("create").get("group").asString();
        a.run("invite", g, b.id, c.id);
        a.run("send", g, "one");
        assertThat(b.read(g)).containsExactly("one");
        assertThat(c.read(g)).containsExactly("one");

        b.run("update", g);
        c.run("send", g, "two");
        assertThat(a.read(g)).containsExactly("two");
        assertThat(b.read(g)).containsExactly("two");

        a.run("remove", g, c.id);
        a.run("send", g, "three");
        assertThat(b.read(g)).containsExactly("three");
        assertThat(c.read(g)).isEmpty(); // removed: learns it, reads nothing sent after
        c.fails("send", g, "let me in");

        // b is offline while a sends; the hub is killed right after acknowledging.
        a.run("send", g, "four");
        a.run("send", g, "five");
        hub.destroyForcibly();
        hub.waitFor(30, TimeUnit.SECONDS);

        URI url2 = urlOf(hub());
        for (Agent x : List.of(a, b, c)) {
            x.run("hub", url2.toString());
        }
        assertThat(b.read(g)).containsExactly("four", "five");
        assertThat(b.read(g)).isEmpty();

        a.run("invite", g, c.id);
        b.run("send", g, "six");
        assertThat(c.read(g)).containsExactly("six");
        assertThat(a.read(g)).containsExactly("six");
        long epoch = a.run("epoch", g).get("epoch").asLong();
        assertThat(b.run("epoch", g).get("epoch").asLong()).isEqualTo(epoch);
        assertThat(c.run("epoch", g).get("epoch").asLong()).isEqualTo(epoch);
        for (Agent x : List.of(a, b, c)) {
            x.run("exit");
        }
    }
}
