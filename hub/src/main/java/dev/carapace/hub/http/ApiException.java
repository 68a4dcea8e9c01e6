package dev.carapace.hub.http;

/** A request that cannot be served; becomes a JSON error {@code {"error": message, "reason": reason}}. */
public final class ApiException extends Exception {
    private final int status;
    private final String reason;
    private final long retryAfterSeconds;

    public ApiException(int status, String reason, String message) {
        this(status, reason, message, 0);
    }

    public ApiException(int status, String reason, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String reason, String message) {
        return new ApiException(400, reason, message);
    }

    public static ApiException unauthorized(String reason, String message) {
        return new ApiException(401, reason, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException conflict(String reason, String message) {
        return new ApiException(409, reason, message);
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
