package dev.carapace.client;

import dev.carapace.crypto.CryptoException;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Cosigner;
import dev.carapace.tlog.SignedNote;
import dev.carapace.tlog.Witness;
import java.io.IOException;
import java.time.Clock;
import java.util.List;

/**
 * Runs a {@link Witness} against a hub: fetch the latest checkpoint, prove it consistent with the last one this
 * witness cosigned, cosign, and hand the cosignature back to the hub, which serves it with the checkpoint. A fork or a
 * rollback is refused by the witness and reported, never cosigned.
 */
public final class WitnessFollower {
    /** What one step did. */
    public enum Outcome { COSIGNED, UP_TO_DATE, BEHIND }

    public record Step(Outcome outcome, long size) {}

    private final HubClient hub;
    private final Witness witness;
    private final Clock clock;

    public WitnessFollower(HubClient hub, Witness witness, Clock clock) {
        this.hub = hub;
        this.witness = witness;
        this.clock = clock;
    }

    /** One poll. A checkpoint the witness refuses (fork, rollback, bad signature) is a LogVerificationException. */
    public Step step() throws IOException, HubException, LogVerificationException {
        String note = hub.checkpoint();
        Checkpoint last = witness.last();
        Checkpoint cp;
        try {
            cp = Checkpoint.parse(SignedNote.parse(note).text());
            if (!Cosigner.cosignedBy(note, List.of(witness.cosigner())).isEmpty()) {
                return new Step(Outcome.UP_TO_DATE, cp.size());
            }
        } catch (CryptoException e) {
            throw new LogVerificationException("the hub serves a malformed checkpoint: " + e.getMessage());
        }
        if (last != null && cp.size() < last.size()) {
            // A lagging replica, or a rollback: either way nothing to cosign. A fork would show on the next growth.
            return new Step(Outcome.BEHIND, cp.size());
        }
        List<byte[]> proof = last == null || last.size() == 0 || last.size() == cp.size()
                ? List.of() : hub.consistencyProof(last.size(), cp.size());
        String line;
        try {
            line = witness.cosign(note, proof, clock.instant().getEpochSecond());
        } catch (Witness.RefusedException e) {
            throw new LogVerificationException("the witness refused to cosign: " + e.getMessage());
        }
        hub.submitCosignature(SignedNote.withLines(note, List.of(line)));
        return new Step(Outcome.COSIGNED, cp.size());
    }
}
