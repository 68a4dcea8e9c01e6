package dev.carapace.hub.http;

import dev.carapace.protocol.ErrorReason;

/**
 * A request that cannot be served; becomes a JSON error {@code {"error": message, "reason": reason.wire()}} with the
 * reason's status. Every reason is an {@link ErrorReason}, the list clients read back.
 */
public final class ApiException extends Exception {
    private final ErrorReason reason;
    private final long retryAfterSeconds;

    public ApiException(ErrorReason reason, String message) {
        this(reason, message, 0);
    }

    public ApiException(ErrorReason reason, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        if (reason == ErrorReason.UNKNOWN) {
            throw new IllegalArgumentException("the hub never answers reason UNKNOWN");
        }
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException forbidden(String message) {
        return new ApiException(ErrorReason.FORBIDDEN, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(ErrorReason.NOT_FOUND, message);
    }

    public int status() {
        return reason.status();
    }

    public ErrorReason reason() {
        return reason;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
