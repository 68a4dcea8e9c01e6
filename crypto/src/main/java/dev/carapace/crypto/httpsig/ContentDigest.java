package dev.carapace.crypto.httpsig;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import java.util.Map;

/** RFC 9530 {@code Content-Digest} with sha-256, the only algorithm Carapace sends or accepts. */
public final class ContentDigest {
    private ContentDigest() {}

    public static String header(byte[] body) {
        return "sha-256=" + StructuredFields.byteSequence(Bytes.sha256(body));
    }

    /** True when the header holds a sha-256 digest equal to the body's; compared in constant time. */
    public static boolean matches(String headerValue, byte[] body) {
        if (headerValue == null) {
            return false;
        }
        try {
            Map<String, StructuredFields.Member> d = StructuredFields.parseDictionary(headerValue);
            StructuredFields.Member m = d.get("sha-256");
            return m != null && m.bytes() != null && Bytes.constantTimeEquals(m.bytes(), Bytes.sha256(body));
        } catch (CryptoException e) {
            return false;
        }
    }
}
