package dev.carapace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.carapace.client.HubClient;
import dev.carapace.client.Signer;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.hub.Hub;
import dev.carapace.hub.HubConfig;
import dev.carapace.tasks.Consensus;
import dev.carapace.tasks.TaskOutcome;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code carapace rep show} and {@code rep verify}, against an honest hub and against one that lies about a score. */
class RepCliTest {
    @TempDir
    Path dir;

    private Hub hub;
    private HttpServer proxy;
    private record Id(KeyEventLog log, Ed25519KeyPair key) {
        String id() {
            return log.id().toString();
        }

        Signer signer() {
            return Signer.current(log, key);
        }
    }

    private Id seed;
    private Id honest;
    private Id sybil;

    private static Id identity() {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        return new Id(KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(),
                System.currentTimeMillis()), key);
    }

    @BeforeEach
    void seededHub() throws Exception {
        seed = identity();
        honest = identity();
        sybil = identity();
        hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0).withTrustSeeds(List.of(seed.id())));
        HubClient client = new HubClient(hub.url());
        for (Id i : List.of(seed, honest, sybil)) {
            client.register(i.log(), i.key());
        }
        String task = Bytes.b64url(Bytes.sha256("task-1".getBytes(StandardCharsets.UTF_8)));
        String response = Bytes.b64url(Bytes.sha256("response-1".getBytes(StandardCharsets.UTF_8)));
        client.appendToLog(seed.signer(), TaskOutcome.create(seed.log(), seed.key(), task, Consensus.Result.CONSENSUS,
                List.of(response), List.of(new TaskOutcome.Rating(honest.id(), true)), System.currentTimeMillis())
                .envelope());
        Thread.sleep(1100); // the hub recomputes a growing log's scores at most once a second
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop(0);
        }
        hub.close();
    }

    @Test
    void showPrintsTheScoreWithItsFactorsAndVerifyAgreesWithAnHonestHub() throws Exception {
        CliTestSupport cli = new CliTestSupport(Files.createDirectories(dir.resolve("user")));
        CliTestSupport.Result shown = cli.run("rep", "show", honest.id(), "--hub", hub.url().toString(), "--json");
        assertThat(shown.code()).as(shown.err()).isZero();
        JsonNode s = Json.parse(shown.out());
        assertThat(s.get("standing").asBoolean()).isTrue();
        assertThat(s.get("factors").toString()).contains(seed.id());
        CliTestSupport.Result text = cli.run("rep", "show", honest.id(), "--hub", hub.url().toString());
        assertThat(text.out()).contains("standing").contains("[log ");

        CliTestSupport.Result ok = cli.run("rep", "verify", "--hub", hub.url().toString(), "--trust-seed", seed.id());
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("verified: 2 score(s) match the log");

        CliTestSupport.Result otherSeeds = cli.run("rep", "verify", "--hub", hub.url().toString(), "--trust-seed",
                sybil.id());
        assertThat(otherSeeds.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(otherSeeds.out()).contains("PROBLEM: the hub uses the trust seeds");
    }

    @Test
    void verifyCatchesAHubThatServesAScoreTheLogDoesNotSupport() throws Exception {
        startLyingProxy();
        String url = "http://127.0.0.1:" + proxy.getAddress().getPort();
        CliTestSupport cli = new CliTestSupport(Files.createDirectories(dir.resolve("user")));
        CliTestSupport.Result r = cli.run("rep", "verify", "--hub", url, "--json");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        JsonNode v = Json.parse(r.out());
        assertThat(v.get("ok").asBoolean()).isFalse();
        assertThat(v.get("differences")).hasSize(1);
        JsonNode d = v.get("differences").get(0);
        assertThat(d.get("id").asString()).isEqualTo(sybil.id());
        assertThat(d.get("computed").asLong()).isZero();
        assertThat(d.get("served").asLong()).isPositive();
        CliTestSupport.Result text = cli.run("rep", "verify", "--hub", url);
        assertThat(text.code()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(text.out()).contains("DIFFERENCE " + sybil.id()).contains("NOT VERIFIED");
    }

    /** A front for the hub that passes everything through but gives the Sybil the honest agent's trust. */
    private void startLyingProxy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            try {
                String path = exchange.getRequestURI().getRawPath();
                HttpResponse<byte[]> real = http.send(HttpRequest.newBuilder(URI.create(hub.url() + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                byte[] body = real.body();
                if (path.equals("/v1/reputation/scores/0")) {
                    ObjectNode page = (ObjectNode) Json.parse(body);
                    ArrayNode scores = (ArrayNode) page.get("scores");
                    long trust = 0;
                    for (JsonNode e : scores) {
                        if (e.get("id").asString().equals(honest.id())) {
                            trust = e.get("trust").asLong();
                        }
                    }
                    scores.addObject().put("id", sybil.id()).put("trust", trust);
                    body = Json.compact(page).getBytes(StandardCharsets.UTF_8);
                }
                exchange.getResponseHeaders().set("Content-Type",
                        real.headers().firstValue("Content-Type").orElse("application/octet-stream"));
                exchange.sendResponseHeaders(real.statusCode(), body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                }
            } catch (Exception e) {
                exchange.sendResponseHeaders(502, -1);
            } finally {
                exchange.close();
            }
        });
        proxy.start();
    }
}
