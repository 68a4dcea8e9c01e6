package dev.carapace.hub.http;

import dev.carapace.crypto.Json;
import dev.carapace.crypto.httpsig.HttpSignature;
import dev.carapace.hub.auth.AuthFailure;
import dev.carapace.hub.auth.RequestAuthenticator;
import dev.carapace.hub.limits.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Serves the routing table. Every request is bounded, matched, rate-limited by address, authenticated as its route
 * requires, rate-limited by identity tier, and answered in JSON. Failures never carry a stack trace.
 */
public final class ApiHandler extends Handler.Abstract {
    public static final int MAX_BODY_BYTES = 1 << 20;
    private static final long DRAIN_LIMIT_BYTES = 16L << 20;
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    /**
     * The signer's key for routes whose body carries the signer's identity document: the stored key when the hub
     * holds it, else the key the claimed event of the body names, found without verifying the whole history (the
     * handler verifies it once the request is authenticated). Null when there is none.
     */
    @FunctionalInterface
    public interface BodyKeyLookup {
        RequestAuthenticator.CurrentKey forBody(Call call, RequestAuthenticator.Claim claim)
                throws ApiException, SQLException;
    }

    /** The tier of an authenticated caller. */
    @FunctionalInterface
    public interface TierLookup {
        RateLimiter.Tier tierOf(Call.Caller caller) throws SQLException;
    }

    private final List<Route> routes;
    private final RequestAuthenticator authenticator;
    private final RequestAuthenticator.KeyLookup storedKeys;
    private final BodyKeyLookup bodyKeys;
    private final RateLimiter limiter;
    private final TierLookup tiers;
    private final MeterRegistry metrics;
    private final Origin origin;

    /** {@code origin} is this hub's own: signed requests must be addressed to it, and are verified against it. */
    public ApiHandler(List<Route> routes, RequestAuthenticator authenticator, RequestAuthenticator.KeyLookup storedKeys,
                      BodyKeyLookup bodyKeys, RateLimiter limiter, TierLookup tiers, MeterRegistry metrics,
                      Origin origin) {
        this.routes = List.copyOf(routes);
        this.authenticator = authenticator;
        this.storedKeys = storedKeys;
        this.bodyKeys = bodyKeys;
        this.limiter = limiter;
        this.tiers = tiers;
        this.metrics = metrics;
        this.origin = origin;
    }

    public List<Route> routes() {
        return routes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Timer.Sample sample = Timer.start(metrics);
        String routeName = "none";
        Reply reply;
        try {
            Dispatch d = dispatch(request);
            routeName = d.route == null ? "none" : d.route.pattern();
            reply = d.reply;
        } catch (ApiException e) {
            reply = error(e);
        } catch (SQLException e) {
            LOG.warn("storage error on {} {}: {}", request.getMethod(), request.getHttpURI().getPath(), e.getMessage());
            reply = error(new ApiException(503, "storage_unavailable", "storage is unavailable; retry later", 1));
        } catch (Exception e) {
            LOG.error("internal error on {} {}", request.getMethod(), request.getHttpURI().getPath(), e);
            reply = error(new ApiException(500, "internal", "internal error"));
        }
        sample.stop(metrics.timer("carapace.http.requests", "route", routeName, "status",
                Integer.toString(reply.status())));
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        response.write(true, ByteBuffer.wrap(reply.body()), callback);
        return true;
    }

    private record Dispatch(Route route, Reply reply) {}

    private Dispatch dispatch(Request request) throws Exception {
        String method = request.getMethod();
        // The body is read (bounded) before anything can fail, so every answer leaves the connection reusable.
        byte[] body = readBody(request);
        List<String> path = new ArrayList<>();
        String rawPath = request.getHttpURI().getPath();
        if (rawPath == null || rawPath.length() > 2048) {
            throw ApiException.badRequest("bad_path", "path missing or too long");
        }
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                path.add(s);
            }
        }
        Route route = null;
        Map<String, String> params = null;
        boolean pathKnown = false;
        for (Route r : routes) {
            Map<String, String> m = r.match(path);
            if (m != null) {
                pathKnown = true;
                if (r.method().equals(method)) {
                    route = r;
                    params = m;
                    break;
                }
            }
        }
        if (route == null) {
            throw pathKnown ? new ApiException(405, "method_not_allowed", method + " is not allowed here")
                    : new ApiException(404, "no_route", "no such endpoint");
        }
        String ip = clientIp(request);
        long wait = limiter.tryAcquireIp(rateLimitKey(request));
        if (wait > 0) {
            throw new ApiException(429, "rate_limited", "too many requests from this address", wait);
        }
        if (body.length > 0) {
            String ct = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (ct == null || !ct.toLowerCase(java.util.Locale.ROOT).startsWith(route.bodyType())) {
                throw new ApiException(415, "unsupported_media_type", "this body must be " + route.bodyType());
            }
        }
        Call call = new Call(params, body, ip,
                origin.targetUri(request.getHttpURI().getPath(), request.getHttpURI().getQuery()));
        if (route.auth() != Route.Auth.PUBLIC) {
            // Before anything is verified: a request addressed to another authority was signed for someone else.
            if (!origin.isAuthority(request.getHttpURI().getHost(), request.getHttpURI().getPort())) {
                throw new ApiException(421, "wrong_authority", "this hub is " + origin
                        + "; the request is addressed to another authority");
            }
            HttpSignature.Message msg = message(request, call.targetUri());
            try {
                RequestAuthenticator.Claim claim = authenticator.claim(msg);
                RequestAuthenticator.CurrentKey key = route.auth() == Route.Auth.SIGNED
                        ? storedKeys.lookup(claim.id()) : bodyKeys.forBody(call, claim);
                call.caller(new Call.Caller(authenticator.verify(msg, body, claim, key)));
            } catch (AuthFailure f) {
                throw ApiException.unauthorized(f.reason(), f.getMessage());
            }
            long idWait = limiter.tryAcquireIdentity(call.caller().id(), tiers.tierOf(call.caller()));
            if (idWait > 0) {
                throw new ApiException(429, "rate_limited", "too many requests from this identity", idWait);
            }
        }
        return new Dispatch(route, route.handler().handle(call));
    }

    private static byte[] readBody(Request request) throws Exception {
        try (InputStream in = Request.asInputStream(request)) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                // Drain a moderately oversized body so the client, still sending, reads the 413 instead of a reset.
                long drained = 0;
                while (drained < DRAIN_LIMIT_BYTES) {
                    long n = in.skip(64 * 1024);
                    if (n <= 0 && in.read() < 0) {
                        break;
                    }
                    drained += Math.max(n, 1);
                }
                throw new ApiException(413, "body_too_large", "bodies are limited to " + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    private static HttpSignature.Message message(Request request, String targetUri) {
        return new HttpSignature.Message() {
            @Override
            public String method() {
                return request.getMethod();
            }

            @Override
            public String targetUri() {
                return targetUri;
            }

            @Override
            public String header(String name) {
                List<String> values = new ArrayList<>();
                for (HttpField f : request.getHeaders()) {
                    if (f.getName().equalsIgnoreCase(name)) {
                        values.add(f.getValue().strip());
                    }
                }
                return values.isEmpty() ? null : String.join(", ", values);
            }
        };
    }

    private static String clientIp(Request request) {
        SocketAddress a = request.getConnectionMetaData().getRemoteSocketAddress();
        return a instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : "unknown";
    }

    /**
     * Whose budget a request spends: the IPv4 address, or the IPv6 /64 (one subscriber usually holds a whole /64,
     * and keying single IPv6 addresses would hand each of them a budget of its own).
     */
    private static String rateLimitKey(Request request) {
        SocketAddress a = request.getConnectionMetaData().getRemoteSocketAddress();
        return a instanceof InetSocketAddress isa ? rateLimitKey(isa.getAddress()) : "unknown";
    }

    static String rateLimitKey(java.net.InetAddress address) {
        if (address == null) {
            return "unknown";
        }
        byte[] b = address.getAddress();
        if (b.length == 16) {
            return "v6:" + java.util.HexFormat.of().formatHex(b, 0, 8) + "::/64";
        }
        return address.getHostAddress();
    }

    static Reply error(ApiException e) {
        ObjectNode o = Json.object();
        o.put("error", e.getMessage());
        o.put("reason", e.reason());
        Reply r = Reply.json(e.status(), o);
        if (e.status() == 413) {
            // The rest of the body is not read: say the connection ends, so no client reuses it.
            return new Reply(r.status(), r.body(), r.contentType(), Map.of("Connection", "close"));
        }
        if (e.retryAfterSeconds() > 0) {
            return new Reply(r.status(), r.body(), r.contentType(),
                    Map.of("Retry-After", Long.toString(e.retryAfterSeconds())));
        }
        return r;
    }
}
