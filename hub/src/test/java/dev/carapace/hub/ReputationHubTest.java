package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubException;
import dev.carapace.client.reputation.ReputationClient;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Dsse;
import dev.carapace.tasks.Consensus;
import dev.carapace.tasks.TaskOutcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Reputation on the hub: seeds from the configuration, scores from the hub's own log, standing as the TRUSTED tier. */
public class ReputationHubTest extends BackendTest {
    private static final AtomicInteger TASKS = new AtomicInteger();

    /** A task outcome by {@code requester} rating each of {@code good} good, made by the tasks module itself. */
    public static Dsse.Envelope outcome(HubFixture.Party requester, HubFixture.Party... good) {
        String task = Bytes.b64url(Bytes.sha256(("task-" + TASKS.incrementAndGet()).getBytes(StandardCharsets.UTF_8)));
        String response = Bytes.b64url(Bytes.sha256(("response-of-" + task).getBytes(StandardCharsets.UTF_8)));
        List<TaskOutcome.Rating> ratings = Arrays.stream(good).map(p -> new TaskOutcome.Rating(p.id(), true)).toList();
        return TaskOutcome.create(requester.log(), requester.key(), task, Consensus.Result.CONSENSUS, List.of(response),
                ratings, System.currentTimeMillis()).envelope();
    }

    /** Restarts the test's hub on its database with {@code seeds} as trust seeds. */
    public static HubFixture withSeeds(HubFixture f, List<HubFixture.Party> seeds) throws Exception {
        f.close();
        List<String> ids = seeds.stream().map(HubFixture.Party::id).toList();
        return new HubFixture(f.backend, f.dataDir, f.dbUrl, cfg -> cfg.withTrustSeeds(ids));
    }

    /** The hub's view of an identity once its scores cover the log as it is now (they are recomputed at most each second). */
    public static JsonNode settled(HubFixture f, String id) throws Exception {
        long size = f.hub.log().server().checkpointedSize();
        for (int i = 0; i < 50; i++) {
            JsonNode r = new ReputationClient(f.client).show(id);
            if (r.get("logSize").asLong() >= size) {
                return r;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the hub's scores never caught up with its log");
    }

    @Test
    void trustFromASeedMakesAnAgentTrustedAndAFreshIdentityHasNone() throws Exception {
        HubFixture.Party seed = HubFixture.party("agent");
        f = withSeeds(f, List.of(seed));
        f.client.register(seed.log(), seed.key());
        HubFixture.Party honest = f.agent();
        HubFixture.Party fresh = f.agent();
        long index = f.client.appendToLog(seed.signer(), outcome(seed, honest)).get("index").asLong();

        JsonNode h = settled(f, honest.id());
        assertThat(h.get("standing").asBoolean()).isTrue();
        // Tiers are cached for a few seconds per identity (HubApi.TIER_CACHE_MS): the rate limiter follows soon.
        for (int i = 0; i < 100 && !h.get("tier").asString().equals("TRUSTED"); i++) {
            Thread.sleep(100);
            h = settled(f, honest.id());
        }
        assertThat(h.get("tier").asString()).isEqualTo("TRUSTED");
        assertThat(h.get("score").asLong()).isPositive();
        List<Long> indexes = new ArrayList<>();
        for (JsonNode factor : h.get("factors")) {
            if (factor.get("kind").asString().equals("inflow")) {
                assertThat(factor.get("from").asString()).isEqualTo(seed.id());
                factor.get("logIndexes").forEach(i -> indexes.add(i.asLong()));
            }
        }
        assertThat(indexes).containsExactly(index);

        JsonNode n = settled(f, fresh.id());
        assertThat(n.get("score").asLong()).isZero();
        assertThat(n.get("standing").asBoolean()).isFalse();
        assertThat(n.get("tier").asString()).isEqualTo("NEW");

        JsonNode summary = f.client.send("GET", "/v1/reputation", null, null);
        assertThat(summary.get("parameters").get("seeds").get(0).asString()).isEqualTo(seed.id());
        ReputationClient.Served served = new ReputationClient(f.client).served();
        assertThat(served.trust()).containsOnlyKeys(seed.id(), honest.id());
    }

    @Test
    void identitiesRatingEachOtherWithoutTrustFromTheSeedsScoreZero() throws Exception {
        HubFixture.Party seed = HubFixture.party("agent");
        f = withSeeds(f, List.of(seed));
        f.client.register(seed.log(), seed.key());
        List<HubFixture.Party> ring = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ring.add(f.agent());
        }
        for (int i = 0; i < ring.size(); i++) {
            HubFixture.Party p = ring.get(i);
            f.client.appendToLog(p.signer(), outcome(p, ring.get((i + 1) % ring.size()),
                    ring.get((i + 4) % ring.size())));
        }
        for (HubFixture.Party p : ring) {
            JsonNode r = settled(f, p.id());
            assertThat(r.get("score").asLong()).isZero();
            assertThat(r.get("tier").asString()).isEqualTo("NEW");
        }
    }

    @Test
    void anOwnersAgentsShareOneScoreThroughTheLoggedLink() throws Exception {
        HubFixture.Party seed = HubFixture.party("agent");
        f = withSeeds(f, List.of(seed));
        f.client.register(seed.log(), seed.key());
        HubFixture.Party owner = f.owner("o@example.org", "O");
        HubFixture.Party a = f.agent();
        HubFixture.Party b = f.agent();
        f.link(owner, a);
        f.link(owner, b);
        f.client.appendToLog(seed.signer(), outcome(seed, a));
        JsonNode rb = settled(f, b.id());
        assertThat(rb.get("principal").asString()).isEqualTo(owner.id());
        assertThat(rb.get("standing").asBoolean()).isTrue();
        assertThat(rb.get("trust").asLong()).isEqualTo(settled(f, a.id()).get("trust").asLong());
    }

    /**
     * An agent's own consent to be linked, appended through the open log routes rather than by the owner's link
     * request, made the agent count as that owner: it took the owner's (here, a seed's) trust and standing.
     */
    @Test
    void anAgentCannotLinkItselfToATrustedOwnerThroughTheLog() throws Exception {
        HubFixture.Party seedOwner = HubFixture.party("owner");
        f = withSeeds(f, List.of(seedOwner));
        f.client.registerOwner(seedOwner.log(), seedOwner.key(), "seed@example.org", "Seed");
        HubFixture.Party sybil = f.agent();
        Dsse.Envelope consent = dev.carapace.client.HubClient.linkConsent(sybil.log(), sybil.key(), seedOwner.id());
        List<String> refusals = new ArrayList<>();
        for (Check append : List.<Check>of(() -> f.client.appendToLog(sybil.signer(), consent),
                () -> f.client.appendAllToLog(sybil.signer(), List.of(consent)))) {
            try {
                append.run();
                refusals.add("accepted");
            } catch (HubException e) {
                refusals.add(e.status() + " " + e.reason());
            }
        }
        JsonNode r = settled(f, sybil.id());
        assertThat(r.get("principal").asString()).isEqualTo(sybil.id());
        assertThat(r.get("standing").asBoolean()).isFalse();
        assertThat(settled(f, seedOwner.id()).get("standing").asBoolean()).isTrue();
        assertThat(refusals).containsExactly("400 reserved_payload_type", "400 reserved_payload_type");
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }

    @Test
    void aMalformedIdIsRefusedAndAnUnknownOneScoresZero() throws Exception {
        HubException e = org.junit.jupiter.api.Assertions.assertThrows(HubException.class,
                () -> new ReputationClient(f.client).show("not-an-id"));
        assertThat(e.status()).isEqualTo(400);
        JsonNode r = new ReputationClient(f.client).show(HubFixture.party("agent").id());
        assertThat(r.get("score").asLong()).isZero();
        assertThat(r.get("tier").isNull()).isTrue();
    }
}
