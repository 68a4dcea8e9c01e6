package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.client.HubException;
import dev.carapace.client.LogMonitor;
import dev.carapace.client.LogVerificationException;
import dev.carapace.client.LogVerifier;
import dev.carapace.client.TrustedLogs;
import dev.carapace.client.WitnessFollower;
import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Cosigner;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.SignedNote;
import dev.carapace.tlog.TlogProof;
import dev.carapace.tlog.Witness;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Witnesses cosign the hub's checkpoints; clients verify them, follow the log and build offline proofs. */
class WitnessingTest extends BackendTest {
    Witness w1;
    Witness w2;
    NoteVerifier logKey;

    @BeforeEach
    void startWithWitnesses() throws Exception {
        logKey = NoteVerifier.parse(f.client.wellKnown().path("log").path("vkey").asString());
        w1 = new Witness("witness.example/one", Ed25519KeyPair.generate(), logKey, dir.resolve("w1.json"));
        w2 = new Witness("witness.example/two", Ed25519KeyPair.generate(), logKey, dir.resolve("w2.json"));
        f.close();
        f = new HubFixture(backend, dir, f.dbUrl, cfg -> cfg.withWitnesses(List.of(w1.cosigner(), w2.cosigner())));
    }

    private Dsse.Envelope statement(HubFixture.Party p, int i) throws Exception {
        return new InTotoStatement(List.of(new InTotoStatement.Subject("thing-" + i, Bytes.hex(Bytes.random(32)))),
                "https://carapace.dev/attestations/test/v1", Json.object()).sign(p.log().currentKeyId(), p.key());
    }

    private WitnessFollower follower(Witness w) {
        return new WitnessFollower(f.client, w, Clock.systemUTC());
    }

    @Test
    void witnessesCosignAndTheHubServesTheirCosignatures() throws Exception {
        HubFixture.Party agent = f.agent();
        assertThat(f.client.wellKnown().path("log").path("witnesses").size()).isEqualTo(2);

        WitnessFollower.Step s1 = follower(w1).step();
        assertThat(s1.outcome()).isEqualTo(WitnessFollower.Outcome.COSIGNED);
        assertThat(follower(w1).step().outcome()).isEqualTo(WitnessFollower.Outcome.UP_TO_DATE);
        String served = f.client.checkpoint();
        assertThat(Cosigner.cosignedBy(served, List.of(w1.cosigner(), w2.cosigner())))
                .containsExactly("witness.example/one");

        for (int i = 0; i < 3; i++) {
            f.client.appendToLog(agent.signer(), statement(agent, i));
        }
        assertThat(follower(w1).step().outcome()).isEqualTo(WitnessFollower.Outcome.COSIGNED);
        assertThat(follower(w2).step().outcome()).isEqualTo(WitnessFollower.Outcome.COSIGNED);
        Checkpoint both = Cosigner.requireQuorum(f.client.witnessedCheckpoint(2), logKey,
                List.of(w1.cosigner(), w2.cosigner()), 2);
        assertThat(both.size()).isEqualTo(s1.size() + 3);

        // A client that requires both witnesses accepts that checkpoint.
        LogVerifier verifier = LogVerifier.connect(f.client, new TrustedLogs(dir.resolve("trust")),
                List.of(w1.cosigner(), w2.cosigner()), 2);
        assertThat(verifier.update().checkpoint().size()).isEqualTo(both.size());
    }

    @Test
    void theHubRefusesCosignaturesItCannotCheck() throws Exception {
        f.agent();
        String note = f.client.checkpoint();
        Witness stranger = new Witness("witness.example/stranger", Ed25519KeyPair.generate(), logKey,
                dir.resolve("s.json"));
        String foreign = SignedNote.withLines(note, List.of(stranger.cosign(note, List.of(), 1_700_000_000L)));
        assertThatThrownBy(() -> f.client.submitCosignature(foreign)).isInstanceOf(HubException.class)
                .extracting("reason").isEqualTo("unknown_witness");
        assertThatThrownBy(() -> f.client.submitCosignature("not a note")).isInstanceOf(HubException.class)
                .extracting("reason").isEqualTo("invalid_checkpoint");
        // A checkpoint the hub never signed, even if validly cosigned by a configured witness, is refused.
        Ed25519KeyPair otherLog = Ed25519KeyPair.generate();
        String forged = SignedNote.sign(new Checkpoint(logKey.name(), 99, new byte[32], List.of()).text(),
                logKey.name(), otherLog);
        assertThatThrownBy(() -> f.client.submitCosignature(forged)).isInstanceOf(HubException.class)
                .extracting("reason").isEqualTo("invalid_checkpoint");
        assertThatThrownBy(() -> f.client.witnessedCheckpoint(1)).isInstanceOf(HubException.class)
                .extracting("status").isEqualTo(404);
        // A cosigned note is text, never JSON.
        assertThat(f.client.sendRaw("POST", "/v1/log/cosignatures", foreign.getBytes(StandardCharsets.UTF_8), null,
                java.util.Map.of()).statusCode()).isEqualTo(415);
    }

    @Test
    void aMonitorVerifiesEveryEntryAndResumes() throws Exception {
        HubFixture.Party agent = f.agent();
        for (int i = 0; i < 300; i++) {
            f.client.appendToLog(agent.signer(), statement(agent, i));
        }
        TrustedLogs trust = new TrustedLogs(dir.resolve("trust"));
        LogVerifier verifier = LogVerifier.connect(f.client, trust, List.of(), 0);
        LogMonitor.Step first = new LogMonitor(f.client, verifier, trust).step();
        assertThat(first.entries()).hasSize(301);
        assertThat(first.entries().get(300).index()).isEqualTo(300);

        for (int i = 0; i < 5; i++) {
            f.client.appendToLog(agent.signer(), statement(agent, 1000 + i));
        }
        // A new monitor on the same store resumes from the saved frontier.
        LogVerifier again = LogVerifier.connect(f.client, trust, List.of(), 0);
        LogMonitor.Step next = new LogMonitor(f.client, again, trust).step();
        assertThat(next.entries()).extracting(LogMonitor.Entry::index).containsExactly(301L, 302L, 303L, 304L, 305L);
        assertThat(next.checkpoint().size()).isEqualTo(306);
        assertThat(new LogMonitor(f.client, again, trust).step().entries()).isEmpty();
    }

    @Test
    void clientsCheckInclusionAndBuildOfflineProofs() throws Exception {
        HubFixture.Party agent = f.agent();
        Dsse.Envelope env = statement(agent, 1);
        long index = f.client.appendToLog(agent.signer(), env).get("index").asLong();
        follower(w1).step();

        TrustedLogs trust = new TrustedLogs(dir.resolve("trust"));
        LogVerifier verifier = LogVerifier.connect(f.client, trust, List.of(w1.cosigner(), w2.cosigner()), 1);
        verifier.verifyInclusion(index, env.toBytes());
        assertThatThrownBy(() -> verifier.verifyInclusion(index, "something else".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(LogVerificationException.class).hasMessageContaining("not in the log");

        TlogProof proof = TlogProof.parse(verifier.proof(index).encode());
        assertThat(proof.verifyCarriedEntry(logKey, List.of(w1.cosigner()), 1)).isEqualTo(env.toBytes());
        assertThatThrownBy(() -> proof.verifyCarriedEntry(logKey, List.of(w1.cosigner(), w2.cosigner()), 2))
                .hasMessageContaining("1 of the required 2");
    }
}
