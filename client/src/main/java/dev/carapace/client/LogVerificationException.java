package dev.carapace.client;

/** A log failed verification: a bad signature, a missing witness quorum, a proof that does not hold. */
public class LogVerificationException extends Exception {
    public LogVerificationException(String message) {
        super(message);
    }
}
