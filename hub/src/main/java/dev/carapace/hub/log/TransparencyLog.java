package dev.carapace.hub.log;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Cosigner;
import dev.carapace.tlog.NoteVerifier;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hub's append-only log, in three parts as Tessera separates them: the {@link LogSequencer} (the one writer:
 * batching, checkpoint signing), the {@link LogStorage} (entries, checkpoints and cosignatures in the database) and
 * the {@link LogServer} (checkpoints, entries, proofs and tiles for readers). This class assembles them under one
 * origin and key and takes the cosignatures of the witnesses it is configured with.
 */
public final class TransparencyLog implements AutoCloseable {
    private final String origin;
    private final NoteVerifier verifier;
    private final List<Cosigner> witnesses;
    private final Clock clock;
    private final LogStorage storage;
    private final LogServer server;
    private final LogSequencer sequencer;

    public TransparencyLog(LogStorage storage, String origin, Ed25519KeyPair key, List<Cosigner> witnesses, Clock clock)
            throws SQLException {
        this.origin = origin;
        this.verifier = NoteVerifier.of(origin, key.publicKey());
        this.witnesses = List.copyOf(witnesses);
        this.clock = clock;
        this.storage = storage;
        this.server = new LogServer(storage);
        this.sequencer = new LogSequencer(storage, origin, key, clock, server::checkpointed);
    }

    /** The log did not take an entry in time (storage failing, or overloaded); the caller may retry. */
    public static final class UnavailableException extends Exception {
        public UnavailableException(String message) {
            super(message);
        }
    }

    public String origin() {
        return origin;
    }

    public NoteVerifier verifier() {
        return verifier;
    }

    /** The witnesses whose cosignatures this log accepts. */
    public List<Cosigner> witnesses() {
        return witnesses;
    }

    /** Where appends go. */
    public LogSequencer sequencer() {
        return sequencer;
    }

    /** Where reads are answered. */
    public LogServer server() {
        return server;
    }

    /** What {@link #addCosignatures} did. */
    public sealed interface Cosigning permits Cosigned, NotACheckpoint, NoKnownWitness, UnknownCheckpoint {}

    /** The cosignatures of these witnesses are held now (new, or held already). */
    public record Cosigned(List<String> witnesses) implements Cosigning {}

    /** The note is not a checkpoint signed by this log. */
    public record NotACheckpoint(String reason) implements Cosigning {}

    /** The note carries no valid cosignature by a witness this log is configured to accept. */
    public record NoKnownWitness() implements Cosigning {}

    /** This log never issued a checkpoint of that size with that root. */
    public record UnknownCheckpoint(long size) implements Cosigning {}

    /** Stores the valid cosignatures, by configured witnesses, that {@code note} carries for one of this log's checkpoints. */
    public Cosigning addCosignatures(String note) throws SQLException {
        Checkpoint cp;
        Map<String, String> lines;
        try {
            cp = Checkpoint.open(note, verifier);
            lines = Cosigner.validLines(note, witnesses);
        } catch (CryptoException e) {
            return new NotACheckpoint(e.getMessage());
        }
        if (lines.isEmpty()) {
            return new NoKnownWitness();
        }
        // Checkpoints are never deleted, so checking before the insert leaves no race.
        Optional<byte[]> root = storage.checkpointRoot(cp.size());
        if (root.isEmpty() || !Bytes.constantTimeEquals(root.get(), cp.root())) {
            return new UnknownCheckpoint(cp.size());
        }
        storage.addCosignatures(cp.size(), lines, clock.millis());
        return new Cosigned(List.copyOf(lines.keySet()));
    }

    @Override
    public void close() {
        sequencer.close();
    }
}
