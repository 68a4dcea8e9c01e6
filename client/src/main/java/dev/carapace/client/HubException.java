package dev.carapace.client;

/** The hub refused a request; {@link #reason} is its machine-readable code, {@link #status} the HTTP status. */
public final class HubException extends Exception {
    private final int status;
    private final String reason;

    public HubException(int status, String reason, String message) {
        super(message);
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "hub answered " + status + " " + reason + ": " + getMessage();
    }
}
