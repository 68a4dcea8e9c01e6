package dev.carapace.hub.auth;

/** Why a request was not authenticated; {@link #reason} is the machine-readable code sent with the 401. */
public final class AuthFailure extends Exception {
    private final String reason;

    public AuthFailure(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
