package dev.carapace.client;

/**
 * The log showed two histories that cannot both be true: two checkpoints of one size with different roots, or a
 * checkpoint that is not consistent with the one this client trusted. Both signed checkpoints are kept as evidence;
 * anyone holding the log's key can check them.
 */
public final class SplitViewException extends LogVerificationException {
    private final String trustedCheckpoint;
    private final String conflictingCheckpoint;

    public SplitViewException(String message, String trustedCheckpoint, String conflictingCheckpoint) {
        super("split view: " + message);
        this.trustedCheckpoint = trustedCheckpoint;
        this.conflictingCheckpoint = conflictingCheckpoint;
    }

    /** The signed note this client trusted before. */
    public String trustedCheckpoint() {
        return trustedCheckpoint;
    }

    /** The signed note that contradicts it. */
    public String conflictingCheckpoint() {
        return conflictingCheckpoint;
    }
}
