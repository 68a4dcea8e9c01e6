package dev.carapace.client;

import dev.carapace.protocol.ErrorReason;

/**
 * The hub refused a request, or answered something this client cannot use. {@link #status} is the HTTP status,
 * {@link #reason} the reason as the answer spelled it (or as this client named a bad answer), and {@link #error} what
 * it means: the {@link ErrorReason} the hub documents for that status and name, {@link ErrorReason#UNKNOWN} for
 * anything else. Decide on {@link #error}, never on the string.
 */
public final class HubException extends Exception {
    private final int status;
    private final String reason;
    private final ErrorReason error;

    public HubException(int status, String reason, String message) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.error = ErrorReason.fromWire(status, reason);
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public ErrorReason error() {
        return error;
    }

    @Override
    public String toString() {
        return "hub answered " + status + " " + reason + ": " + getMessage();
    }
}
