package dev.carapace.hub.http;

import java.net.URI;
import java.util.Locale;

/**
 * The hub's own origin: the scheme, host and port clients address it by (with an optional path prefix, when a proxy
 * publishes it under one). Signed requests are bound to it: a request whose authority is another is refused before
 * anything is verified, and the signature base is always rebuilt from this origin, never from the Host header, so a
 * request signed for one hub never verifies at another.
 *
 * <p>Strict by design: {@code localhost} is not {@code 127.0.0.1}, and a hub behind a proxy must be told its public
 * URL (the proxy must forward the client's Host unchanged). Only the host's case and an explicit default port are
 * normalized, as RFC 3986 section 6.2.3 makes them the same authority.
 */
public final class Origin {
    private final String base; // scheme://authority[/prefix], no trailing slash
    private final String scheme;
    private final String host;
    private final int port;

    private Origin(String base, String scheme, String host, int port) {
        this.base = base;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
    }

    /** An origin from a URL such as {@code https://hub.example.org} or {@code http://127.0.0.1:7420}. */
    public static Origin of(URI url) {
        String scheme = url.getScheme() == null ? null : url.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("the public URL must be http or https: " + url);
        }
        if (url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null
                || url.getRawFragment() != null) {
            throw new IllegalArgumentException("the public URL is scheme://host[:port][/prefix], nothing more: " + url);
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        int port = url.getPort() == -1 ? defaultPort(scheme) : url.getPort();
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String authority = port == defaultPort(scheme) ? host : host + ":" + port;
        return new Origin(scheme + "://" + authority + path, scheme, host, port);
    }

    private static int defaultPort(String scheme) {
        return "https".equals(scheme) ? 443 : 80;
    }

    /** True when a request addressed to {@code host} and {@code port} (-1: none given) is addressed to this origin. */
    public boolean isAuthority(String requestHost, int requestPort) {
        if (requestHost == null) {
            return false;
        }
        int p = requestPort == -1 ? defaultPort(scheme) : requestPort;
        return host.equals(requestHost.toLowerCase(Locale.ROOT)) && p == port;
    }

    /** The target URI a client signed: this origin, then the request's path and query. */
    public String targetUri(String path, String query) {
        return base + path + (query == null ? "" : "?" + query);
    }

    /** The origin's authority as a client writes it in Host. */
    public String authority() {
        return port == defaultPort(scheme) ? host : host + ":" + port;
    }

    @Override
    public String toString() {
        return base;
    }
}
