package dev.carapace.hub.http;

import dev.carapace.protocol.ErrorReason;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/** Errors Jetty raises itself (bad request lines, oversized headers) as the same JSON errors, with no stack trace. */
public final class JsonErrorHandler extends ErrorHandler {
    public JsonErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
        setShowMessageInTitle(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : 500;
        String reason = switch (status) {
            case 400 -> ErrorReason.BAD_REQUEST.wire();
            case 413 -> ErrorReason.BODY_TOO_LARGE.wire();
            case 414 -> ErrorReason.URI_TOO_LONG.wire();
            case 431 -> ErrorReason.HEADERS_TOO_LARGE.wire();
            // Any other status Jetty raises itself (none in normal operation): clients read it as UNKNOWN.
            default -> "http_" + status;
        };
        String body = "{\"error\":\"the request was rejected by the HTTP layer\",\"reason\":\"" + reason + "\"}";
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        // Jetty closes the connection after errors it raises itself; tell the client so it does not reuse it.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
        return true;
    }
}
