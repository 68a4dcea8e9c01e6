package dev.carapace.crypto.httpsig;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.Ed25519PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 9421 HTTP Message Signatures with {@code ed25519}.
 *
 * <p>Carapace's profile: every signed request covers {@code ("@method" "@target-uri" "content-digest")} and carries
 * {@code created}, {@code nonce}, {@code keyid} and {@code alg="ed25519"}, under the label {@value #LABEL}. The hub
 * checks the time window and the nonce; this class builds and checks the signature itself. A request may carry other
 * signatures under other labels (an intermediary's, RFC 9421 section 4.3): the verifier reads only its own label.
 */
public final class HttpSignature {
    public static final String LABEL = "sig1";
    public static final String ALG = "ed25519";
    public static final List<String> PROFILE_COMPONENTS = List.of("@method", "@target-uri", "content-digest");

    private HttpSignature() {}

    /** The parts of an HTTP request a signature can cover. Header names are given in lower case. */
    public interface Message {
        String method();

        /** The full target URI: scheme, authority, path and query, as sent. */
        String targetUri();

        /** The header's values joined with ", " and trimmed, or null when absent. */
        String header(String lowerCaseName);
    }

    /** The two header values to attach: {@code Signature-Input} and {@code Signature}. */
    public record Headers(String signatureInput, String signature) {}

    /** A parsed signature, before verification. */
    public record Parsed(String label, List<String> components, Map<String, Object> params, byte[] signature) {
        public String keyid() {
            return params.get("keyid") instanceof String s ? s : null;
        }

        public Long created() {
            return params.get("created") instanceof Long l ? l : null;
        }

        public String nonce() {
            return params.get("nonce") instanceof String s ? s : null;
        }

        public String alg() {
            return params.get("alg") instanceof String s ? s : null;
        }

        /** The {@code expires} parameter, or null when absent (or not an integer: check {@code params} for that). */
        public Long expires() {
            return params.get("expires") instanceof Long l ? l : null;
        }

        String signatureParams() {
            return StructuredFields.innerList(components, params);
        }
    }

    /** Signs {@code m} in Carapace's profile. */
    public static Headers sign(Message m, String keyid, Ed25519KeyPair key, long createdSeconds, String nonce)
            throws CryptoException {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", createdSeconds);
        params.put("nonce", nonce);
        params.put("keyid", keyid);
        params.put("alg", ALG);
        return sign(m, LABEL, PROFILE_COMPONENTS, params, key);
    }

    /** Signs any list of components with any parameters (used for the RFC's own test vectors too). */
    public static Headers sign(Message m, String label, List<String> components, Map<String, Object> params,
                               Ed25519KeyPair key) throws CryptoException {
        String signatureParams = StructuredFields.innerList(components, params);
        byte[] base = signatureBase(m, components, signatureParams);
        byte[] sig = key.sign(base);
        return new Headers(label + "=" + signatureParams, label + "=" + StructuredFields.byteSequence(sig));
    }

    /**
     * Parses the signature under {@code label} from the {@code Signature-Input} and {@code Signature} headers. Both
     * headers must parse as a whole; signatures under other labels are not interpreted. Returns null when neither
     * header holds {@code label}.
     */
    public static Parsed parse(String signatureInput, String signature, String label) throws CryptoException {
        if (signatureInput == null || signature == null) {
            throw new CryptoException("missing Signature-Input or Signature header");
        }
        Map<String, StructuredFields.Member> inputs = StructuredFields.parseDictionary(signatureInput);
        Map<String, StructuredFields.Member> sigs = StructuredFields.parseDictionary(signature);
        StructuredFields.Member in = inputs.get(label);
        StructuredFields.Member sg = sigs.get(label);
        if (in == null && sg == null) {
            return null;
        }
        if (in == null || in.innerList() == null || sg == null || sg.bytes() == null) {
            throw new CryptoException("Signature-Input and Signature do not match under label " + label);
        }
        List<String> components = List.copyOf(in.innerList());
        requireDistinct(components);
        return new Parsed(label, components, in.params(), sg.bytes());
    }

    /** RFC 9421 section 2.5: a component identifier appears at most once in the covered components. */
    private static void requireDistinct(List<String> components) throws CryptoException {
        if (new java.util.HashSet<>(components).size() != components.size()) {
            throw new CryptoException("the covered components repeat an identifier");
        }
    }

    /** Verifies {@code parsed} against the message with {@code key}. Checks alg when present. */
    public static boolean verify(Message m, Parsed parsed, Ed25519PublicKey key) {
        if (parsed.params().containsKey("alg") && !ALG.equals(parsed.alg())) {
            return false;
        }
        try {
            byte[] base = signatureBase(m, parsed.components(), parsed.signatureParams());
            return key.verify(base, parsed.signature());
        } catch (CryptoException e) {
            return false;
        }
    }

    /** RFC 9421 section 2.5: one line per covered component, then the {@code @signature-params} line. */
    public static byte[] signatureBase(Message m, List<String> components, String signatureParams)
            throws CryptoException {
        requireDistinct(components);
        StringBuilder sb = new StringBuilder(256);
        for (String c : components) {
            if (!c.equals(c.toLowerCase(java.util.Locale.ROOT))) {
                throw new CryptoException("component names are lower case: " + c);
            }
            String value = componentValue(m, c);
            if (value == null) {
                throw new CryptoException("covered component " + c + " is missing from the message");
            }
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new CryptoException("component " + c + " contains a line break");
            }
            sb.append('"').append(c).append("\": ").append(value).append('\n');
        }
        sb.append("\"@signature-params\": ").append(signatureParams);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String componentValue(Message m, String c) throws CryptoException {
        if (!c.startsWith("@")) {
            return m.header(c);
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(m.targetUri());
        } catch (java.net.URISyntaxException e) {
            throw new CryptoException("bad target URI");
        }
        return switch (c) {
            case "@method" -> m.method().toUpperCase(java.util.Locale.ROOT);
            case "@target-uri" -> m.targetUri();
            case "@authority" -> authority(uri);
            case "@scheme" -> uri.getScheme() == null ? null : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            case "@path" -> uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            case "@query" -> "?" + (uri.getRawQuery() == null ? "" : uri.getRawQuery());
            case "@request-target" -> (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            default -> throw new CryptoException("unsupported derived component " + c);
        };
    }

    private static String authority(java.net.URI uri) {
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || ("https".equalsIgnoreCase(uri.getScheme()) && port == 443)
                || ("http".equalsIgnoreCase(uri.getScheme()) && port == 80);
        return defaultPort ? host : host + ":" + port;
    }
}
