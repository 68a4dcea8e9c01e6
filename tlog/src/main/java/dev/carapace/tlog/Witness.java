package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A witness for one log: it cosigns a checkpoint only if the log signed it and it is consistent with the last
 * checkpoint this witness cosigned, which it keeps on disk (written atomically before the cosignature is released,
 * so a crash can never make it cosign two inconsistent heads).
 */
public final class Witness {
    private final String name;
    private final Ed25519KeyPair key;
    private final NoteVerifier log;
    private final Path state;

    public Witness(String name, Ed25519KeyPair key, NoteVerifier log, Path state) {
        this.name = name;
        this.key = key;
        this.log = log;
        this.state = state;
    }

    public Cosigner cosigner() {
        return new Cosigner(name, key.publicKey());
    }

    /** Why a checkpoint was refused: typed, because a rollback or fork is evidence against the log. */
    public static final class RefusedException extends Exception {
        public RefusedException(String message) {
            super(message);
        }
    }

    /**
     * Checks {@code note} and, if it extends what this witness saw before (by {@code proof}, a consistency proof from
     * the last cosigned size), returns the cosignature line.
     */
    public synchronized String cosign(String note, List<byte[]> proof, long timestamp)
            throws RefusedException, IOException {
        Checkpoint cp;
        try {
            cp = Checkpoint.open(note, log);
        } catch (CryptoException e) {
            throw new RefusedException("not a checkpoint signed by " + log.name() + ": " + e.getMessage());
        }
        Checkpoint last = last();
        if (last != null) {
            if (cp.size() < last.size()) {
                throw new RefusedException("rollback: size " + cp.size() + " after " + last.size());
            }
            try {
                if (last.size() == 0) {
                    if (!proof.isEmpty()) {
                        throw new ProofException("a proof from the empty tree must be empty");
                    }
                } else {
                    Merkle.verifyConsistency(last.size(), cp.size(), last.root(), cp.root(), proof);
                }
            } catch (ProofException e) {
                throw new RefusedException("split view: " + e.getMessage());
            }
        }
        ObjectNode o = Json.object();
        o.put("origin", cp.origin());
        o.put("size", cp.size());
        o.put("root", Bytes.b64(cp.root()));
        SecureFiles.writeAtomic(state, (Json.compact(o) + "\n").getBytes(StandardCharsets.UTF_8));
        return Cosigner.cosign(name, key, cp, timestamp);
    }

    /** The last checkpoint cosigned, or null. */
    public Checkpoint last() throws IOException {
        if (!Files.exists(state)) {
            return null;
        }
        try {
            JsonNode n = Json.parse(Files.readAllBytes(state));
            return new Checkpoint(Json.text(n, "origin"), Json.integer(n, "size"), Bytes.fromB64(Json.text(n, "root")),
                    List.of());
        } catch (CryptoException e) {
            throw new IOException(state + " is damaged: " + e.getMessage());
        }
    }
}
