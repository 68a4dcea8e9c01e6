package dev.carapace.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A hub played by a small in-test HTTP server: it speaks the documented protocol's shapes (docs/api.md) and answers
 * whatever each test tells it to, wrong or hostile answers included. It checks no signature and stores nothing beyond
 * what a test puts in; the honest paths are covered against the real hub (hub and cli tests). Routes registered later
 * win over earlier ones; anything unrouted is {@code 404 no_route}.
 */
public final class FakeHub implements AutoCloseable {
    /** One request as the fake hub received it. */
    public record Request(String method, String path, byte[] body, List<String> groups) {
        public JsonNode json() {
            try {
                return Json.parse(body);
            } catch (CryptoException e) {
                throw new IllegalStateException("the client sent something that is not JSON", e);
            }
        }

        public String group(int i) {
            return groups.get(i);
        }
    }

    /** What to answer. {@code delayMs} delays the answer (for timeouts); {@code lengthHidden} sends it chunked. */
    public record Answer(int status, byte[] body, String contentType, long delayMs, boolean lengthHidden) {
        public static Answer json(int status, JsonNode body) {
            return new Answer(status, Json.compact(body).getBytes(StandardCharsets.UTF_8), "application/json", 0,
                    false);
        }

        public static Answer ok(JsonNode body) {
            return json(200, body);
        }

        public static Answer error(int status, String reason, String message) {
            ObjectNode o = Json.object();
            o.put("error", message);
            o.put("reason", reason);
            return json(status, o);
        }

        public Answer delayed(long ms) {
            return new Answer(status, body, contentType, ms, lengthHidden);
        }

        public Answer withoutLength() {
            return new Answer(status, body, contentType, delayMs, true);
        }
    }

    @FunctionalInterface
    public interface Handler {
        Answer answer(Request r) throws Exception;
    }

    private record Route(String method, Pattern path, Handler handler) {}

    private final HttpServer server;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    /** Every request received, in order. */
    public final List<Request> received = new CopyOnWriteArrayList<>();
    private final Map<String, KeyEventLog> identities = new ConcurrentHashMap<>();

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
        on("GET", "/v1/identities/([^/]+)", r -> {
            KeyEventLog log = identities.get(r.group(0));
            return log == null ? Answer.error(404, "not_found", "no identity") : Answer.ok(log.toJson());
        });
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Serves this identity document at {@code GET /v1/identities/{id}}, as a hub does. */
    public FakeHub identity(KeyEventLog log) {
        identities.put(log.id().toString(), log);
        return this;
    }

    /** Answers {@code method} on paths matching {@code pathRegex} (its groups are the request's groups). */
    public FakeHub on(String method, String pathRegex, Handler handler) {
        routes.add(0, new Route(method, Pattern.compile(pathRegex), handler));
        return this;
    }

    /** The requests received for this method and path pattern. */
    public List<Request> received(String method, String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return received.stream().filter(r -> r.method().equals(method) && p.matcher(r.path()).matches()).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            Answer a = null;
            for (Route route : routes) {
                Matcher m = route.path().matcher(path);
                if (route.method().equals(method) && m.matches()) {
                    List<String> groups = new ArrayList<>();
                    for (int i = 1; i <= m.groupCount(); i++) {
                        groups.add(m.group(i));
                    }
                    Request r = new Request(method, path, body, groups);
                    received.add(r);
                    a = route.handler().answer(r);
                    break;
                }
            }
            if (a == null) {
                received.add(new Request(method, path, body, List.of()));
                a = Answer.error(404, "no_route", "no such endpoint");
            }
            if (a.delayMs() > 0) {
                Thread.sleep(a.delayMs());
            }
            ex.getResponseHeaders().set("Content-Type", a.contentType());
            ex.sendResponseHeaders(a.status(), a.lengthHidden() ? 0 : a.body().length == 0 ? -1 : a.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(a.body());
            }
        } catch (IOException e) {
            // the client went away (a timeout, or it refused an oversized answer): nothing to answer
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
