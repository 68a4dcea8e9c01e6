package dev.carapace.tlog;

/** A Merkle proof does not verify, or its inputs are out of range. The message says which check failed. */
public final class ProofException extends Exception {
    public ProofException(String message) {
        super(message);
    }
}
