package dev.carapace.hub.log;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the log keeps its entries (with their leaf hashes), its signed checkpoints and the witnesses' cosignatures.
 * Only the {@link LogSequencer} writes entries and checkpoints, each batch in one {@link #write} transaction; every
 * read serves what is committed. Nothing stored is ever changed or deleted.
 */
public interface LogStorage {
    /** An entry to store, with its RFC 9162 leaf hash and who submitted it. */
    record NewEntry(byte[] leafHash, byte[] entry, String submittedBy) {}

    /** A stored checkpoint: its signed note and the cosignature lines collected for it, by witness name. */
    record StoredCheckpoint(long size, String note, List<String> cosignatures) {}

    /** The sequencer's view inside one write transaction. */
    interface Writer {
        /** How many entries are stored. */
        long size() throws SQLException;

        /** The leaf hashes of entries [0, size), in order. */
        List<byte[]> leafHashes(long size) throws SQLException;

        /**
         * Stores entries at indexes {@code first}, {@code first + 1}, ...; fails if another writer took one of them
         * (the transaction then rolls back and the sequencer retries on top of the winner's).
         */
        void addEntries(long first, List<NewEntry> entries, long nowMs) throws SQLException;

        /** Stores a signed checkpoint; one already stored for that size is kept. */
        void addCheckpoint(long size, byte[] root, String note, long nowMs) throws SQLException;
    }

    @FunctionalInterface
    interface WriteWork<T> {
        T run(Writer w) throws SQLException;
    }

    /** Runs {@code work} in one transaction: everything it stored is committed, or nothing. */
    <T> T write(WriteWork<T> work) throws SQLException;

    /** The size of the largest checkpoint: what may be served. */
    long checkpointedSize() throws SQLException;

    /** Leaf hashes of entries [from, to). */
    List<byte[]> leafHashes(long from, long to) throws SQLException;

    /** Entries [from, to). */
    List<byte[]> entries(long from, long to) throws SQLException;

    Optional<byte[]> entry(long index) throws SQLException;

    /** The largest checkpoint, with its cosignatures. */
    StoredCheckpoint latestCheckpoint() throws SQLException;

    /** The largest checkpoint with at least {@code k} cosignatures, with them. */
    Optional<StoredCheckpoint> witnessedCheckpoint(int k) throws SQLException;

    /** The root hash of the checkpoint of {@code size}, if the log issued one. */
    Optional<byte[]> checkpointRoot(long size) throws SQLException;

    /** Stores cosignature lines (witness name to line) for the checkpoint of {@code size}; ones already held stay. */
    void addCosignatures(long size, Map<String, String> lines, long nowMs) throws SQLException;
}
