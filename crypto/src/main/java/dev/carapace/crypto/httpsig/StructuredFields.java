package dev.carapace.crypto.httpsig;

import dev.carapace.crypto.CryptoException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict parser and serializer for the RFC 8941 structured-field values that RFC 9421 uses: a dictionary whose
 * members are byte sequences or inner lists of strings, each with parameters (integers, strings, tokens). Anything
 * else is refused, so a signature input has exactly one reading.
 */
public final class StructuredFields {
    /** Longest field value accepted; a signature input is a few hundred bytes. */
    public static final int MAX_LENGTH = 8192;

    private StructuredFields() {}

    /** A dictionary member: either an inner list of strings or a byte sequence, plus parameters. */
    public record Member(List<String> innerList, byte[] bytes, Map<String, Object> params) {}

    public static Map<String, Member> parseDictionary(String input) throws CryptoException {
        if (input == null || input.length() > MAX_LENGTH) {
            throw new CryptoException("structured field missing or too long");
        }
        Parser p = new Parser(input);
        Map<String, Member> out = new LinkedHashMap<>();
        p.skipSp();
        while (!p.done()) {
            String key = p.key();
            if (!p.done() && p.peek() == '=') {
                p.pos++;
            } else {
                throw new CryptoException("dictionary member '" + key + "' has no value");
            }
            Member m;
            if (p.peek() == '(') {
                List<String> items = p.innerList();
                m = new Member(items, null, p.params());
            } else if (p.peek() == ':') {
                m = new Member(null, p.byteSequence(), p.params());
            } else {
                throw new CryptoException("unsupported value for '" + key + "'");
            }
            if (out.put(key, m) != null) {
                throw new CryptoException("duplicate dictionary member '" + key + "'");
            }
            p.skipOws();
            if (p.done()) {
                break;
            }
            if (p.peek() != ',') {
                throw new CryptoException("expected ',' at offset " + p.pos);
            }
            p.pos++;
            p.skipOws();
            if (p.done()) {
                throw new CryptoException("trailing ',' in dictionary");
            }
        }
        return out;
    }

    /** Serializes an inner list of strings with parameters, e.g. {@code ("@method" "@target-uri");created=1}. */
    public static String innerList(List<String> items, Map<String, Object> params) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(string(items.get(i)));
        }
        sb.append(')');
        for (Map.Entry<String, Object> e : params.entrySet()) {
            sb.append(';').append(e.getKey());
            Object v = e.getValue();
            if (v instanceof Long || v instanceof Integer) {
                sb.append('=').append(v);
            } else if (v instanceof String s) {
                sb.append('=').append(string(s));
            } else if (v instanceof Token t) {
                sb.append('=').append(t.value());
            } else if (!Boolean.TRUE.equals(v)) {
                throw new IllegalArgumentException("unsupported parameter value " + v);
            }
        }
        return sb.toString();
    }

    public static String byteSequence(byte[] b) {
        return ":" + Base64.getEncoder().encodeToString(b) + ":";
    }

    static String string(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("structured-field strings are printable ASCII");
            }
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** A token parameter value (unquoted). */
    public record Token(String value) {}

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        boolean done() {
            return pos >= s.length();
        }

        char peek() throws CryptoException {
            if (done()) {
                throw new CryptoException("unexpected end of structured field");
            }
            return s.charAt(pos);
        }

        void skipSp() {
            while (!done() && s.charAt(pos) == ' ') {
                pos++;
            }
        }

        void skipOws() {
            while (!done() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
                pos++;
            }
        }

        String key() throws CryptoException {
            char c = peek();
            if (!(c >= 'a' && c <= 'z') && c != '*') {
                throw new CryptoException("bad key at offset " + pos);
            }
            int start = pos;
            while (!done()) {
                c = s.charAt(pos);
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*') {
                    pos++;
                } else {
                    break;
                }
            }
            return s.substring(start, pos);
        }

        List<String> innerList() throws CryptoException {
            pos++; // '('
            List<String> items = new ArrayList<>();
            while (true) {
                skipSp();
                if (peek() == ')') {
                    pos++;
                    return items;
                }
                items.add(string());
                if (items.size() > 64) {
                    throw new CryptoException("too many covered components");
                }
                if (!done() && s.charAt(pos) == ';') {
                    throw new CryptoException("component parameters are not supported");
                }
                char c = peek();
                if (c != ' ' && c != ')') {
                    throw new CryptoException("expected ' ' or ')' at offset " + pos);
                }
            }
        }

        String string() throws CryptoException {
            if (peek() != '"') {
                throw new CryptoException("expected a string at offset " + pos);
            }
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = peek();
                pos++;
                if (c == '\\') {
                    char n = peek();
                    pos++;
                    if (n != '"' && n != '\\') {
                        throw new CryptoException("bad escape in string");
                    }
                    sb.append(n);
                } else if (c == '"') {
                    return sb.toString();
                } else if (c < 0x20 || c > 0x7e) {
                    throw new CryptoException("non-printable character in string");
                } else {
                    sb.append(c);
                }
            }
        }

        byte[] byteSequence() throws CryptoException {
            pos++; // ':'
            int end = s.indexOf(':', pos);
            if (end < 0) {
                throw new CryptoException("unterminated byte sequence");
            }
            String b64 = s.substring(pos, end);
            pos = end + 1;
            if (!b64.matches("[A-Za-z0-9+/]*={0,2}")) {
                throw new CryptoException("byte sequence is not base64");
            }
            try {
                return Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new CryptoException("byte sequence is not base64");
            }
        }

        Map<String, Object> params() throws CryptoException {
            Map<String, Object> params = new LinkedHashMap<>();
            while (!done() && s.charAt(pos) == ';') {
                pos++;
                skipSp();
                String key = key();
                Object value = Boolean.TRUE;
                if (!done() && s.charAt(pos) == '=') {
                    pos++;
                    char c = peek();
                    if (c == '"') {
                        value = string();
                    } else if (c == '-' || (c >= '0' && c <= '9')) {
                        value = integer();
                    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*') {
                        int start = pos;
                        while (!done() && " ;,()\"".indexOf(s.charAt(pos)) < 0) {
                            pos++;
                        }
                        value = new Token(s.substring(start, pos));
                    } else {
                        throw new CryptoException("unsupported parameter value for '" + key + "'");
                    }
                }
                if (params.put(key, value) != null) {
                    throw new CryptoException("duplicate parameter '" + key + "'");
                }
            }
            return params;
        }

        Long integer() throws CryptoException {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            int digits = 0;
            while (!done() && Character.isDigit(s.charAt(pos))) {
                pos++;
                digits++;
            }
            if (digits == 0 || digits > 15) {
                throw new CryptoException("bad integer at offset " + start);
            }
            if (!done() && s.charAt(pos) == '.') {
                throw new CryptoException("decimals are not supported");
            }
            return Long.parseLong(s.substring(start, pos));
        }
    }
}
