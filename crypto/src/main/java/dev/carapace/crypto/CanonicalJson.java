package dev.carapace.crypto;

import java.math.BigDecimal;
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
 * the minimal JSON escapes, and numbers use the ECMAScript double formatting.
 *
 * <p>Numbers. RFC 8785 numbers are IEEE 754 doubles: a number written with a fraction or an exponent denotes the
 * nearest double, as every RFC 8785 implementation reads it (so {@code 1E16} and {@code 1e16} are one number, written
 * {@code 10000000000000000}). An integer written without fraction or exponent is taken at its exact value and is never
 * rounded silently: it is accepted when it is exactly what this class writes for its double, which holds for every
 * integer of magnitude up to 2^53 and, above that, only for the digits RFC 8785 prints ({@code 295147905179352830000}
 * for 2^68, not {@code 295147905179352825856}; {@code 9007199254740993} is refused). The parser ({@link Json#parse})
 * applies the same rule, so whatever this class writes parses back to itself: canonicalization is idempotent, and two
 * inputs canonicalize alike only when they are the same number. NaN and the infinities have no form and are refused.
 * Values that need more than a double travel as strings.
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
        sb.append(number(node));
    }

    /** The RFC 8785 form of a number node, or an exception if it has none that reads back as the same number. */
    static String number(JsonNode node) throws CryptoException {
        if (node.isIntegralNumber()) {
            long exact = node.canConvertToLong() ? node.longValue() : Long.MIN_VALUE;
            if (exact >= -(MAX_SAFE_INTEGER + 1) && exact <= MAX_SAFE_INTEGER + 1) {
                return Long.toString(exact); // every integer up to 2^53 is a double, printed in full
            }
            BigInteger v = node.bigIntegerValue();
            double d = v.doubleValue(); // correctly rounded
            String form = Double.isInfinite(d) ? null : format(d);
            if (form == null || new BigDecimal(form).compareTo(new BigDecimal(v)) != 0) {
                throw new CryptoException("integer " + v + " is not an IEEE 754 double as RFC 8785 writes it"
                        + (form == null ? "" : " (the nearest one is written " + form + ")")
                        + "; send it as a string");
            }
            return form;
        }
        // A fraction or an exponent: the parser has read the nearest double, which is what RFC 8785 means.
        return format(node.doubleValue());
    }

    private static String format(double d) throws CryptoException {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new CryptoException("NaN and Infinity have no JSON form");
        }
        try {
            return NumberToJSON.serializeNumber(d);
        } catch (java.io.IOException e) {
            throw new CryptoException("cannot format number " + d, e);
        }
    }

    /** Refuses a string holding a lone surrogate: it has no UTF-8 form, and RFC 8785 forbids it. */
    static void requireWellFormed(String s) throws CryptoException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new CryptoException("string holds a lone surrogate");
            }
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
