package dev.carapace.hub.http;

import dev.carapace.crypto.Json;
import dev.carapace.crypto.httpsig.HttpSignature;
import dev.carapace.hub.auth.AuthFailure;
import dev.carapace.hub.auth.RequestAuthenticator;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.limits.RateLimiter;
import dev.carapace.protocol.ErrorReason;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
 * Serves the routing table. Every request is rate-limited by address (routed or not), its body read without holding a
 * thread (bounded in size and time, {@link BodyReader}, and in the memory bodies hold per address
 * and in all, {@link BodyBudget}), matched, authenticated as its route requires, rate-limited
 * by identity tier (new identities spend their address's budget), and answered in JSON. Failures never carry a stack
 * trace; a client's faults are logged as one line, rate-limited.
 */
public final class ApiHandler extends Handler.Abstract {
    public static final int MAX_BODY_BYTES = HubLimits.BODY_BYTES;
    private static final long DRAIN_LIMIT_BYTES = HubLimits.OVERSIZED_BODY_DRAIN_BYTES;
    static final int FAULT_LINES_PER_MINUTE = HubLimits.CLIENT_FAULT_LINES_PER_MINUTE;
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
    private final BodyBudget bodies;
    private final Bucket faultLines = Bucket.builder().addLimit(Bandwidth.builder().capacity(FAULT_LINES_PER_MINUTE)
            .refillGreedy(FAULT_LINES_PER_MINUTE, java.time.Duration.ofMinutes(1)).build()).build();
    private final java.util.concurrent.atomic.AtomicLong faultsNotLogged = new java.util.concurrent.atomic.AtomicLong();

    /**
     * {@code origin} is this hub's own: signed requests must be addressed to it, and are verified against it;
     * {@code bodies} bounds the memory request bodies hold while they arrive.
     */
    public ApiHandler(List<Route> routes, RequestAuthenticator authenticator, RequestAuthenticator.KeyLookup storedKeys,
                      BodyKeyLookup bodyKeys, RateLimiter limiter, TierLookup tiers, MeterRegistry metrics,
                      Origin origin, BodyBudget bodies) {
        this.routes = List.copyOf(routes);
        this.authenticator = authenticator;
        this.storedKeys = storedKeys;
        this.bodyKeys = bodyKeys;
        this.limiter = limiter;
        this.tiers = tiers;
        this.metrics = metrics;
        this.origin = origin;
        this.bodies = bodies;
    }

    public List<Route> routes() {
        return routes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Timer.Sample sample = Timer.start(metrics);
        // Every request spends its address's budget first, routed or not, before any of its body is read.
        String address = rateLimitKey(request);
        long wait = limiter.tryAcquireIp(address);
        if (wait > 0) {
            reply(request, response, callback, sample, "none",
                    closing(error(new ApiException(ErrorReason.RATE_LIMITED, "too many requests from this address", wait)),
                            request));
            return true;
        }
        if (request.getLength() == 0) {
            respond(request, response, callback, sample, new byte[0]);
            return true;
        }
        // The bytes this body may occupy are reserved before any is read (BodyBudget), and given back once answered.
        long declared = request.getLength();
        long reservation = declared < 0 || declared > MAX_BODY_BYTES ? MAX_BODY_BYTES : declared;
        BodyBudget.Verdict verdict = bodies.reserve(address, reservation);
        if (verdict != BodyBudget.Verdict.RESERVED) {
            ApiException busy = verdict == BodyBudget.Verdict.ADDRESS_FULL
                    ? new ApiException(ErrorReason.TOO_MANY_BODIES, "too many request bodies in flight from this address", 1)
                    : new ApiException(ErrorReason.HUB_BUSY, "the hub holds too many request bodies; retry later", 1);
            reply(request, response, callback, sample, "none", closing(error(busy), request));
            return true;
        }
        // The body arrives without holding a thread; the answer is computed on a request thread once it is complete.
        Thread handling = Thread.currentThread();
        boolean[] inHandle = {true};
        BodyReader.read(request, MAX_BODY_BYTES, DRAIN_LIMIT_BYTES, (body, failure, clientFault) -> {
            Runnable compute = failure == null ? () -> respond(request, response, callback, sample, body) : () -> {
                if (clientFault) {
                    clientFault(request, failure);
                }
                reply(request, response, callback, sample, "none", closing(error(failure), request));
            };
            Runnable answer = () -> {
                try {
                    compute.run();
                } finally {
                    bodies.release(address, reservation);
                }
            };
            if (inHandle[0] && Thread.currentThread() == handling) {
                answer.run();
            } else {
                request.getContext().execute(answer);
            }
        });
        inHandle[0] = false;
        return true;
    }

    private void respond(Request request, Response response, Callback callback, Timer.Sample sample, byte[] body) {
        String routeName = "none";
        Reply reply;
        try {
            Dispatch d = dispatch(request, body);
            routeName = d.route == null ? "none" : d.route.pattern();
            reply = d.reply;
        } catch (ApiException e) {
            reply = error(e);
        } catch (SQLException e) {
            LOG.warn("storage error on {} {}: {}", request.getMethod(), request.getHttpURI().getPath(), e.getMessage());
            reply = error(new ApiException(ErrorReason.STORAGE_UNAVAILABLE, "storage is unavailable; retry later", 1));
        } catch (Exception e) {
            LOG.error("internal error on {} {}", request.getMethod(), request.getHttpURI().getPath(), e);
            reply = error(new ApiException(ErrorReason.INTERNAL, "internal error"));
        }
        reply(request, response, callback, sample, routeName, reply);
    }

    private void reply(Request request, Response response, Callback callback, Timer.Sample sample, String routeName,
                       Reply reply) {
        sample.stop(metrics.timer("carapace.http.requests", "route", routeName, "status",
                Integer.toString(reply.status())));
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        response.write(true, ByteBuffer.wrap(reply.body()), callback);
    }

    /** An answer sent before the body was read whole: the connection ends with it, so no client reuses it. */
    private static Reply closing(Reply r, Request request) {
        if (request.getLength() == 0 || r.headers().containsKey("Connection")) {
            return r;
        }
        Map<String, String> h = new java.util.HashMap<>(r.headers());
        h.put("Connection", "close");
        return new Reply(r.status(), r.body(), r.contentType(), Map.copyOf(h));
    }

    /**
     * A client's fault (an aborted, malformed or too slow body) is its problem, not the hub's: one line at INFO, at
     * most {@link #FAULT_LINES_PER_MINUTE} a minute, the rest counted into the next line.
     */
    private void clientFault(Request request, ApiException failure) {
        if (faultLines.tryConsume(1)) {
            long more = faultsNotLogged.getAndSet(0);
            LOG.info("client fault from {}: {} ({} {}){}", clientIp(request), failure.reason().wire(), request.getMethod(),
                    request.getHttpURI().getPath(), more > 0 ? "; " + more + " more not logged" : "");
        } else {
            faultsNotLogged.incrementAndGet();
        }
    }

    private record Dispatch(Route route, Reply reply) {}

    private Dispatch dispatch(Request request, byte[] body) throws Exception {
        String method = request.getMethod();
        List<String> path = new ArrayList<>();
        String rawPath = request.getHttpURI().getPath();
        if (rawPath == null || rawPath.length() > HubLimits.PATH_CHARS) {
            throw new ApiException(ErrorReason.BAD_PATH, "path missing or too long");
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
            throw pathKnown ? new ApiException(ErrorReason.METHOD_NOT_ALLOWED, method + " is not allowed here")
                    : new ApiException(ErrorReason.NO_ROUTE, "no such endpoint");
        }
        if (body.length > 0) {
            String ct = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (ct == null || !ct.toLowerCase(java.util.Locale.ROOT).startsWith(route.bodyType())) {
                throw new ApiException(ErrorReason.UNSUPPORTED_MEDIA_TYPE, "this body must be " + route.bodyType());
            }
        }
        String address = rateLimitKey(request);
        Call call = new Call(params, body, clientIp(request), address,
                origin.targetUri(request.getHttpURI().getPath(), request.getHttpURI().getQuery()));
        if (route.auth() != Route.Auth.PUBLIC) {
            // Before anything is verified: a request addressed to another authority was signed for someone else.
            if (!origin.isAuthority(request.getHttpURI().getHost(), request.getHttpURI().getPort())) {
                throw new ApiException(ErrorReason.WRONG_AUTHORITY, "this hub is " + origin
                        + "; the request is addressed to another authority");
            }
            HttpSignature.Message msg = message(request, call.targetUri());
            try {
                RequestAuthenticator.Claim claim = authenticator.claim(msg);
                RequestAuthenticator.CurrentKey key = route.auth() == Route.Auth.SIGNED
                        ? storedKeys.lookup(claim.id()) : bodyKeys.forBody(call, claim);
                call.caller(new Call.Caller(authenticator.verify(msg, body, claim, key)));
            } catch (AuthFailure f) {
                throw new ApiException(f.reason(), f.getMessage());
            }
            // Identities cost nothing to make: new ones from one address share that address's budget and quotas.
            RateLimiter.Tier tier = tiers.tierOf(call.caller());
            String spender = tier == RateLimiter.Tier.NEW ? "address " + address : call.caller().id();
            call.spender(spender, new Call.Budget() {
                @Override
                public long tryAcquireMore(long tokens) {
                    return limiter.tryAcquireIdentityMore(spender, tier, tokens, 1);
                }

                @Override
                public int capacity() {
                    return limiter.limits().perTierPerMinute().get(tier);
                }
            });
            long idWait = limiter.tryAcquireIdentity(spender, tier);
            if (idWait > 0) {
                throw new ApiException(ErrorReason.RATE_LIMITED, "too many requests from this identity", idWait);
            }
        }
        return new Dispatch(route, route.handler().handle(call));
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
        o.put("reason", e.reason().wire());
        Reply r = Reply.json(e.status(), o);
        if (e.status() == 413 || e.status() == 408) {
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
