package dev.carapace.crypto;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.erdtman.jcs.NumberToJSON;
import tools.jackson.databind.JsonNode;

/**
 * RFC 8785 JSON Canonicalization Scheme. Everything Carapace signs as JSON is signed in this form.
 *
 * <p>Object members are sorted by their names as UTF-16 code units (which is {@link String#compareTo}), strings use
 * the minimal JSON escapes, and numbers use the ECMAScript double formatting. Integers beyond 2^53 would lose
 * precision in other JCS implementations, so they are refused: such values travel as strings.
 */
public final class CanonicalJson {
    public static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private CanonicalJson() {}

    public static byte[] encode(JsonNode node) throws CryptoException {
        StringBuilder sb = new StringBuilder(256);
        write(node, sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static String encodeToString(JsonNode node) throws CryptoException {
        StringBuilder sb = new StringBuilder(256);
        write(node, sb);
        return sb.toString();
    }

    /** Parses arbitrary JSON text (rejecting duplicate keys) and returns its canonical form. */
    public static byte[] canonicalize(byte[] json) throws CryptoException {
        return encode(Json.parse(json));
    }

    private static void write(JsonNode node, StringBuilder sb) throws CryptoException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
                members.sort(Map.Entry.comparingByKey());
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonNode> m : members) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    writeString(m.getKey(), sb);
                    sb.append(':');
                    write(m.getValue(), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(node.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> writeString(node.stringValue(), sb);
            case NUMBER -> writeNumber(node, sb);
            case BOOLEAN -> sb.append(node.booleanValue() ? "true" : "false");
            case NULL -> sb.append("null");
            default -> throw new CryptoException("cannot canonicalize JSON node of type " + node.getNodeType());
        }
    }

    private static void writeNumber(JsonNode node, StringBuilder sb) throws CryptoException {
        if (node.isIntegralNumber()) {
            BigInteger v = node.bigIntegerValue();
            if (v.abs().compareTo(BigInteger.valueOf(MAX_SAFE_INTEGER)) > 0) {
                throw new CryptoException("integer " + v + " exceeds 2^53 and cannot be canonicalized exactly");
            }
            sb.append(v.longValue());
            return;
        }
        // RFC 8785 numbers are IEEE 754 doubles; the parser reads non-integral numbers as doubles already.
        double d = node.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new CryptoException("NaN and Infinity have no JSON form");
        }
        try {
            sb.append(NumberToJSON.serializeNumber(d));
        } catch (java.io.IOException e) {
            throw new CryptoException("cannot format number " + d, e);
        }
    }

    private static void writeString(String s, StringBuilder sb) throws CryptoException {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                            throw new CryptoException("string holds a lone surrogate");
                        }
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isLowSurrogate(c)) {
                        throw new CryptoException("string holds a lone surrogate");
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
