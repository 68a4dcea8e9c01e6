package dev.carapace.sandbox;

import dev.carapace.skills.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import run.endive.runtime.HostFunction;
import run.endive.runtime.Memory;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.ValType;

/**
 * The {@code carapace} host module: {@code http_get} and {@code secret_get}. Both check the manifest, both audit
 * every call; secret values never reach the audit log.
 */
final class CarapaceHost {
    static final String MODULE = "carapace";

    static final int DENIED = -1;
    static final int NETWORK_ERROR = -2;
    static final int TOO_LARGE = -3;
    static final int LIMIT_REACHED = -4;

    static final int MAX_URL = 2048;
    static final int MAX_HEADER_BYTES = 64 * 1024;
    static final int MAX_REQUEST_MILLIS = 10_000;

    private static final FunctionType FOUR_I32 = FunctionType.of(
            List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of(ValType.I32));

    private final Session session;
    private final Resolver resolver;

    CarapaceHost(Session session, Resolver resolver) {
        this.session = session;
        this.resolver = resolver;
    }

    /** The host function for an import of this module, or null when there is none with that name and type. */
    HostFunction resolve(String name, FunctionType type) {
        if (!FOUR_I32.typesMatch(type)) {
            return null;
        }
        return switch (name) {
            case "http_get" -> new HostFunction(MODULE, name, type, (inst, a) -> new long[] {
                httpGet(inst.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3])});
            case "secret_get" -> new HostFunction(MODULE, name, type, (inst, a) -> new long[] {
                secretGet(inst.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3])});
            default -> null;
        };
    }

    int secretGet(Memory m, int namePtr, int nameLen, int outPtr, int outCap) {
        if (nameLen < 0 || nameLen > 128) {
            session.audit("secret.deny", Map.of("name", "(name too long)"));
            return DENIED;
        }
        String name = new String(m.readBytes(namePtr, nameLen), StandardCharsets.UTF_8);
        String shown = name.replaceAll("[^A-Za-z0-9_]", "?");
        String value = session.manifest.permissions().secrets().contains(name) ? session.secrets.get(name) : null;
        if (value == null) {
            session.audit("secret.deny", Map.of("name", shown, "reason",
                    session.manifest.permissions().secrets().contains(name) ? "not provided" : "not granted"));
            return DENIED;
        }
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (outCap < 0 || v.length > outCap) {
            session.audit("secret.deny", Map.of("name", shown, "reason", "buffer too small"));
            return TOO_LARGE;
        }
        m.write(outPtr, v);
        session.audit("secret.get", Map.of("name", shown));
        return v.length;
    }

    int httpGet(Memory m, int urlPtr, int urlLen, int outPtr, int outCap) {
        if (urlLen < 0 || urlLen > MAX_URL) {
            return deny(Map.of("reason", "url too long"), DENIED);
        }
        String url = new String(m.readBytes(urlPtr, urlLen), StandardCharsets.UTF_8);
        Manifest.Limits lim = session.manifest.limits();
        if (session.httpRequests >= lim.httpRequests()) {
            session.audit("limit", Map.of("limit", "httpRequests", "value", lim.httpRequests()));
            return deny(Map.of("reason", "request limit " + lim.httpRequests() + " reached"), LIMIT_REACHED);
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return deny(Map.of("reason", "malformed url"), DENIED);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return deny(Map.of("reason", "scheme must be http or https"), DENIED);
        }
        String host = uri.getHost();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawAuthority() == null) {
            return deny(Map.of("reason", "url must be scheme://host[:port]/path without user info"), DENIED);
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : uri.getPort();
        Map<String, Object> what = new LinkedHashMap<>();
        what.put("host", host);
        what.put("port", port);
        Manifest.NetGrant wanted = new Manifest.NetGrant(host, port);
        if (!session.manifest.permissions().network().contains(wanted)) {
            what.put("reason", "host not granted");
            return deny(what, DENIED);
        }
        InetAddress address;
        if (AddressPolicy.isLiteral(host)) {
            // Named exactly in the manifest: the one case where a private or loopback address is allowed.
            try {
                address = literal(host);
            } catch (UnknownHostException e) {
                what.put("reason", "unusual IP literal");
                return deny(what, DENIED);
            }
        } else {
            List<InetAddress> resolved;
            try {
                resolved = resolver.resolve(host);
            } catch (UnknownHostException e) {
                resolved = List.of();
            }
            if (resolved.isEmpty()) {
                what.put("reason", "name does not resolve");
                session.audit("net.request", withStatus(what, -1, 0));
                session.httpRequests++;
                return NETWORK_ERROR;
            }
            // Every address is checked and the connection goes to a checked one: no second lookup to rebind.
            for (InetAddress a : resolved) {
                String why = AddressPolicy.nonPublic(a);
                if (why != null) {
                    what.put("reason", "resolves to " + why + " " + a.getHostAddress());
                    return deny(what, DENIED);
                }
            }
            address = resolved.get(0);
        }
        session.httpRequests++;
        what.put("address", address.getHostAddress());
        long cap = Math.min(outCap < 0 ? 0 : outCap, lim.httpResponseBytes());
        Response r;
        try {
            r = fetch(scheme, host, port, address, uri, cap);
        } catch (IOException e) {
            what.put("reason", "network error");
            session.audit("net.request", withStatus(what, -1, 0));
            if (session.pastDeadline() || Thread.currentThread().isInterrupted()) {
                // The wall budget ran out while the skill waited: end the run here rather than hand the guest a
                // network error it could act on (compiled code would get there before the watchdog looks).
                throw new ViolationException(SandboxViolation.limit("wallMs", session.manifest.limits().wallMs()));
            }
            return NETWORK_ERROR;
        }
        if (r.status / 100 == 3) {
            what.put("status", r.status);
            what.put("reason", "redirect not followed" + (r.location == null ? "" : " (to " + clip(r.location) + ")"));
            return deny(what, DENIED);
        }
        if (r.truncated) {
            Map<String, Object> d = withStatus(what, r.status, r.body.length);
            boolean overLimit = lim.httpResponseBytes() < (outCap < 0 ? 0 : (long) outCap);
            d.put("reason", overLimit ? "response over httpResponseBytes=" + lim.httpResponseBytes() : "response over out_cap");
            session.audit("net.request", d);
            if (overLimit) {
                session.audit("limit", Map.of("limit", "httpResponseBytes", "value", lim.httpResponseBytes()));
                return LIMIT_REACHED;
            }
            return TOO_LARGE;
        }
        m.write(outPtr, r.body);
        session.audit("net.request", withStatus(what, r.status, r.body.length));
        return r.body.length;
    }


    private record Response(int status, String location, byte[] body, boolean truncated) {}

    private static Map<String, Object> withStatus(Map<String, Object> what, int status, long bytes) {
        Map<String, Object> d = new LinkedHashMap<>(what);
        d.put("status", status);
        d.put("bytes", bytes);
        return d;
    }

    private int deny(Map<String, ?> details, int code) {
        session.audit("net.deny", details);
        return code;
    }

    private static final java.util.regex.Pattern IPV6_LITERAL = java.util.regex.Pattern.compile("[0-9a-f:.]+");

    private static InetAddress literal(String host) throws UnknownHostException {
        // Only literals reach InetAddress.getByName here, so it never turns into a DNS lookup.
        if (host.indexOf(':') >= 0 ? !IPV6_LITERAL.matcher(host).matches() : !Manifest.isIpv4Literal(host)) {
            throw new UnknownHostException(host);
        }
        return InetAddress.getByName(host);
    }

    private Response fetch(String scheme, String host, int port, InetAddress address, URI uri, long cap)
            throws IOException {
        int timeout = (int) Math.min(MAX_REQUEST_MILLIS, session.remainingMillis());
        Socket plain = new Socket();
        Socket s = plain;
        session.activeIo = plain;
        try {
            plain.connect(new InetSocketAddress(address, port), timeout);
            plain.setSoTimeout(timeout);
            if (scheme.equals("https")) {
                SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                        .createSocket(plain, host, port, true);
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(p);
                ssl.startHandshake();
                s = ssl;
            }
            String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            boolean defaultPort = port == (scheme.equals("https") ? 443 : 80);
            String hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (defaultPort ? "" : ":" + port);
            String req = "GET " + target + " HTTP/1.1\r\nHost: " + hostHeader
                    + "\r\nUser-Agent: carapace-sandbox\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            int[] budget = {MAX_HEADER_BYTES};
            String statusLine = line(in, budget);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
                throw new IOException("bad status line");
            }
            int status = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            String location = null;
            for (String h = line(in, budget); !h.isEmpty(); h = line(in, budget)) {
                int c = h.indexOf(':');
                if (c <= 0) {
                    throw new IOException("bad header");
                }
                String name = h.substring(0, c).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(c + 1).trim();
                switch (name) {
                    case "content-length" -> {
                        if (!value.matches("[0-9]{1,18}") || length != -1) {
                            throw new IOException("bad content-length");
                        }
                        length = Long.parseLong(value);
                    }
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "location" -> location = value;
                    default -> { }
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean truncated;
            if (status / 100 == 3 || status == 204 || status == 304) {
                truncated = false;
            } else if (chunked) {
                truncated = readChunked(in, body, cap, budget);
            } else {
                truncated = copy(in, body, length < 0 ? Long.MAX_VALUE : length, cap);
            }
            return new Response(status, location, body.toByteArray(), truncated);
        } finally {
            session.activeIo = null;
            s.close();
            plain.close();
        }
    }

    /** Copies up to n bytes; true when more than cap would have been needed. */
    private boolean copy(InputStream in, ByteArrayOutputStream body, long n, long cap) throws IOException {
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
            checkDeadline();
            int want = (int) Math.min(buf.length, Math.min(left, cap - body.size() + 1));
            int r = in.read(buf, 0, want);
            if (r < 0) {
                if (n != Long.MAX_VALUE) {
                    throw new IOException("connection closed early");
                }
                return false;
            }
            body.write(buf, 0, r);
            left -= r;
            if (body.size() > cap) {
                return true;
            }
        }
        return false;
    }

    private boolean readChunked(InputStream in, ByteArrayOutputStream body, long cap, int[] budget)
            throws IOException {
        while (true) {
            String size = line(in, budget);
            int semi = size.indexOf(';');
            String hex = (semi < 0 ? size : size.substring(0, semi)).trim();
            if (!hex.matches("[0-9a-fA-F]{1,8}")) {
                throw new IOException("bad chunk size");
            }
            long n = Long.parseLong(hex, 16);
            if (n == 0) {
                return false;
            }
            if (copy(in, body, n, cap)) {
                return true;
            }
            line(in, budget);
        }
    }

    private String line(InputStream in, int[] budget) throws IOException {
        checkDeadline();
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed in headers");
            }
            if (--budget[0] < 0) {
                throw new IOException("headers too large");
            }
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
    }

    /** A server that trickles bytes within each read timeout still cannot outlast the run's wall budget. */
    private void checkDeadline() throws IOException {
        if (session.pastDeadline()) {
            throw new IOException("wall budget spent");
        }
    }

    private static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
