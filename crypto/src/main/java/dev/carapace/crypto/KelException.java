package dev.carapace.crypto;

/** A key event log failed verification. {@link #reason()} tells callers why, for tests and API error codes. */
public final class KelException extends CryptoException {
    public enum Reason {
        MALFORMED,
        FORK,
        GAP,
        BAD_SIGNATURE,
        NEXT_KEY_MISMATCH,
        KEY_REUSED,
        BAD_PREVIOUS,
        WRONG_ID,
        TIME_REVERSED
    }

    private final Reason reason;

    public KelException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
