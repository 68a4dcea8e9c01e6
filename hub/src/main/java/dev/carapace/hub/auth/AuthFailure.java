package dev.carapace.hub.auth;

import dev.carapace.protocol.ErrorReason;

/** Why a request was not authenticated; {@link #reason} is sent with the 401. */
public final class AuthFailure extends Exception {
    private final ErrorReason reason;

    public AuthFailure(ErrorReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public ErrorReason reason() {
        return reason;
    }
}
