package dev.carapace.mls;

/** A commit removed this member: the group state can no longer be used (RFC 9420 §12.4.2). */
public final class RemovedFromGroupException extends MlsException {
    private static final long serialVersionUID = 1L;
    private final long epoch;

    public RemovedFromGroupException(String message, long epoch) {
        super(message);
        this.epoch = epoch;
    }

    /** The epoch in which the removing commit was sent. */
    public long epoch() {
        return epoch;
    }
}
