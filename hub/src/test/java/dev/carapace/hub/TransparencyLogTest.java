package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TransparencyLogTest extends BackendTest {

    private static Dsse.Envelope statement(HubFixture.Party p, int i) throws Exception {
        return new InTotoStatement(List.of(new InTotoStatement.Subject("thing-" + i, Bytes.hex(Bytes.random(32)))),
                "https://carapace.dev/attestations/test/v1", Json.object()).sign(p.log().currentKeyId(), p.key());
    }

    private static List<byte[]> hashes(JsonNode arr) throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (JsonNode h : arr) {
            out.add(Bytes.fromB64(h.asString()));
        }
        return out;
    }

    @Test
    void appendsAreAcknowledgedWithAVerifiableInclusionProof() throws Exception {
        HubFixture.Party agent = f.agent();
        JsonNode wk = f.client.wellKnown();
        NoteVerifier vkey = NoteVerifier.parse(wk.get("log").get("vkey").asString());
        assertThat(vkey.name()).isEqualTo(wk.get("log").get("origin").asString());

        long base = Checkpoint.open(f.client.checkpoint(), vkey).size(); // the agent's inception is logged
        assertThat(base).isEqualTo(1);
        Checkpoint first = null;
        for (int i = 0; i < 5; i++) {
            Dsse.Envelope env = statement(agent, i);
            JsonNode r = f.client.appendToLog(agent.signer(), env);
            Checkpoint cp = Checkpoint.open(r.get("checkpoint").asString(), vkey);
            long index = r.get("index").asLong();
            assertThat(index).isEqualTo(base + i);
            assertThat(cp.size()).isGreaterThan(index);
            Merkle.verifyInclusion(index, cp.size(), Merkle.leafHash(env.toBytes()), hashes(r.get("proof")),
                    cp.root());
            if (first == null) {
                first = cp;
            }
        }
        Checkpoint latest = Checkpoint.open(f.client.checkpoint(), vkey);
        assertThat(latest.size()).isEqualTo(base + 5);
        Merkle.verifyConsistency(first.size(), latest.size(), first.root(), latest.root(),
                f.client.consistencyProof(first.size(), latest.size()));
    }

    @Test
    void aBatchIsLoggedAtConsecutiveIndexesUnderOneCheckpointOrNotAtAll() throws Exception {
        HubFixture.Party agent = f.agent();
        HubFixture.Party other = f.agent();
        NoteVerifier vkey = NoteVerifier.parse(f.client.wellKnown().get("log").get("vkey").asString());
        long base = Checkpoint.open(f.client.checkpoint(), vkey).size();

        // One envelope not signed by the caller's key refuses the whole batch, and nothing of it is logged.
        List<Dsse.Envelope> mixed = List.of(statement(agent, 0), statement(other, 1), statement(agent, 2));
        assertThatThrownBy(() -> f.client.appendAllToLog(agent.signer(), mixed))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("envelope 1");
                });
        assertThat(Checkpoint.open(f.client.checkpoint(), vkey).size()).isEqualTo(base);

        List<Dsse.Envelope> batch = new ArrayList<>();
        for (int i = 0; i < dev.carapace.client.HubClient.MAX_LOG_BATCH; i++) {
            batch.add(statement(agent, i));
        }
        List<JsonNode> receipts = f.client.appendAllToLog(agent.signer(), batch);
        for (int i = 0; i < batch.size(); i++) {
            JsonNode r = receipts.get(i);
            Checkpoint cp = Checkpoint.open(r.get("checkpoint").asString(), vkey);
            assertThat(r.get("index").asLong()).isEqualTo(base + i);
            assertThat(cp.size()).isEqualTo(base + batch.size());
            Merkle.verifyInclusion(base + i, cp.size(), Merkle.leafHash(batch.get(i).toBytes()),
                    hashes(r.get("proof")), cp.root());
        }

        // More than a batch holds, or none, is refused as a whole.
        List<Dsse.Envelope> tooMany = new ArrayList<>(batch);
        tooMany.add(statement(agent, 99));
        for (List<Dsse.Envelope> bad : List.of(tooMany, List.<Dsse.Envelope>of())) {
            assertThatThrownBy(() -> f.client.appendAllToLog(agent.signer(), bad))
                    .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("invalid_batch"));
        }
        assertThat(Checkpoint.open(f.client.checkpoint(), vkey).size()).isEqualTo(base + batch.size());
    }

    @Test
    void concurrentAppendsAreBatchedWithoutGapsOrDuplicates() throws Exception {
        HubFixture.Party agent = f.agent();
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            futures.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return f.client.appendToLog(agent.signer(), statement(agent, n)).get("index").asLong();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        List<Long> indexes = new ArrayList<>();
        for (var fu : futures) {
            indexes.add(fu.get());
        }
        assertThat(indexes).containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.range(1, 41).boxed()
                .toList());
    }

    @Test
    void keyEventsAreLogged() throws Exception {
        HubFixture.Party agent = f.agent();
        var rotated = agent.log().rotate(agent.next(), Ed25519KeyPair.generate().publicKey(), System.currentTimeMillis());
        JsonNode r = f.client.publishKeyEvents(rotated, agent.next());
        long index = r.get("logIndex").asLong();
        JsonNode stored = f.client.send("GET", "/v1/log/entries/" + index, null, null);
        JsonNode event = Json.parse(Bytes.fromB64(stored.get("entry").asString()));
        assertThat(event.get("event").get("type").asString()).isEqualTo("rotation");
        assertThat(event.get("event").get("id").asString()).isEqualTo(agent.id());
    }

    @Test
    void onlyEnvelopesSignedByTheCallersCurrentKeyAreAccepted() throws Exception {
        HubFixture.Party agent = f.agent();
        HubFixture.Party other = f.agent();
        Dsse.Envelope foreign = statement(other, 1);
        assertThatThrownBy(() -> f.client.appendToLog(agent.signer(), foreign))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo("invalid_envelope"));
        Dsse.Envelope selfSignedWrongKey = Dsse.sign("text/plain", new byte[] {1}, agent.log().currentKeyId(),
                Ed25519KeyPair.generate());
        assertThatThrownBy(() -> f.client.appendToLog(agent.signer(), selfSignedWrongKey))
                .isInstanceOf(HubException.class);
        assertThatThrownBy(() -> f.client.appendToLog(null, statement(agent, 2)))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void statementsOwedByACommittedChangeAreLoggedAfterACrash() throws Exception {
        f.agent();
        f.close();
        // As if the hub died after committing a change and before appending what it owes the log.
        byte[] owed = "a key event the log was owed".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var db = dev.carapace.hub.store.Database.open(f.dbUrl, dir)) {
            var outbox = new dev.carapace.hub.log.LogOutbox(db, null, java.time.Clock.systemUTC());
            db.inTransaction(c -> outbox.add(c, owed, "cara1test"));
        }
        f = new HubFixture(backend, dir, f.dbUrl, HubFixture.generousLimits());
        NoteVerifier vkey = NoteVerifier.parse(f.client.wellKnown().get("log").get("vkey").asString());
        Checkpoint cp = Checkpoint.open(f.client.checkpoint(), vkey);
        assertThat(cp.size()).isEqualTo(2);
        assertThat(f.client.logEntry(1)).isEqualTo(owed);
        try (var db = dev.carapace.hub.store.Database.open(f.dbUrl, dir.resolve("other"))) {
            int left = db.read(c -> {
                try (var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM log_outbox")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(left).isZero();
        }
    }

    @Test
    void aStatementTheLogCouldNotTakeGoesOutWithTheNextChange() throws Exception {
        f.agent();
        // As if appending had failed after the change committed: the statement waits in the outbox.
        byte[] owed = "a key event left waiting".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var outbox = new dev.carapace.hub.log.LogOutbox(f.hub.database(), null, java.time.Clock.systemUTC());
        f.hub.database().inTransaction(c -> outbox.add(c, owed, "cara1test"));
        f.agent(); // the next change delivers the leftover first, then its own statement, without a restart
        NoteVerifier vkey = NoteVerifier.parse(f.client.wellKnown().get("log").get("vkey").asString());
        assertThat(Checkpoint.open(f.client.checkpoint(), vkey).size()).isEqualTo(3);
        assertThat(f.client.logEntry(1)).isEqualTo(owed);
    }
}
