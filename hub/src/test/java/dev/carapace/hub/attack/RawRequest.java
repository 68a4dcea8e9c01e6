package dev.carapace.hub.attack;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.httpsig.ContentDigest;
import dev.carapace.crypto.httpsig.HttpSignature;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request as the exact bytes an attacker sends or replays (Host header included), over a plain socket, and signing
 * with control over every RFC 9421 parameter a well-behaved client never varies.
 */
public final class RawRequest {
    private RawRequest() {}

    /** The hub's answer: status, the {@code reason} of a JSON error (or ""), and the body. */
    public record Answer(int status, String reason, byte[] body) {}

    /** Signature parameters; the defaults are what {@code HubClient} sends. */
    public static final class Signing {
        public String label = HttpSignature.LABEL;
        public List<String> components = HttpSignature.PROFILE_COMPONENTS;
        public Map<String, Object> params = new LinkedHashMap<>();

        public Signing(String keyid) {
            params.put("created", System.currentTimeMillis() / 1000);
            params.put("nonce", Bytes.b64url(Bytes.random(16)));
            params.put("keyid", keyid);
            params.put("alg", HttpSignature.ALG);
        }

        public Signing param(String name, Object value) {
            params.put(name, value);
            return this;
        }
    }

    /** Content-Digest, Signature-Input and Signature for a request signed over {@code signedUri}. */
    public static Map<String, String> signatureHeaders(String method, String signedUri, byte[] body, Signing s,
                                                Ed25519KeyPair key) throws Exception {
        String digest = ContentDigest.header(body);
        HttpSignature.Message msg = new HttpSignature.Message() {
            @Override
            public String method() {
                return method;
            }

            @Override
            public String targetUri() {
                return signedUri;
            }

            @Override
            public String header(String n) {
                return n.equals("content-digest") ? digest : null;
            }
        };
        HttpSignature.Headers h = HttpSignature.sign(msg, s.label, s.components, s.params, key);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("Content-Digest", digest);
        out.put("Signature-Input", h.signatureInput());
        out.put("Signature", h.signature());
        return out;
    }

    /** The bytes of an HTTP/1.1 request; the body, if any, is JSON. */
    public static byte[] build(String method, String path, String host, Map<String, String> headers, byte[] body) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(host).append("\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        if (body.length > 0) {
            sb.append("Content-Type: application/json\r\n");
        }
        sb.append("Content-Length: ").append(body.length).append("\r\n");
        sb.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** A signed request for {@code hub}, addressed and signed exactly as HubClient would. */
    public static byte[] signed(URI hub, String method, String path, byte[] body, Signing s, Ed25519KeyPair key)
            throws Exception {
        return build(method, path, hub.getRawAuthority(),
                signatureHeaders(method, hub + path, body, s, key), body);
    }

    /** Sends {@code request} to the hub listening at {@code hub} and reads the whole answer. */
    public static Answer send(URI hub, byte[] request) throws Exception {
        try (Socket socket = new Socket(hub.getHost(), hub.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] all = in.readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = text.substring(0, end);
            int status = Integer.parseInt(head.substring(9, 12));
            byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
            if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            String reason = "";
            if (body.length > 0 && body[0] == '{') {
                reason = Json.parse(body).path("reason").asString("");
            }
            return new Answer(status, reason, body);
        }
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < chunked.length) {
            int lineEnd = pos;
            while (chunked[lineEnd] != '\r') {
                lineEnd++;
            }
            int size = Integer.parseInt(new String(chunked, pos, lineEnd - pos, StandardCharsets.US_ASCII).trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, size);
            pos = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }
}
