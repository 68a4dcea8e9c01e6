package dev.carapace.crypto;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict RFC 3629 UTF-8, the one decoder for every byte string that is signed or read as signed text (JSON, DSSE
 * payloads, key event logs, signed notes). Overlong forms ({@code C0 AF} is not {@code /}), UTF-8-encoded surrogates
 * ({@code ED A0 80}), code points above U+10FFFF and truncated or stray sequences are refused rather than replaced or
 * decoded leniently, so two parsers can never read different text from the same signed bytes.
 */
public final class Utf8 {
    private Utf8() {}

    /** Decodes {@code bytes}, refusing anything that is not well-formed UTF-8. */
    public static String decode(byte[] bytes) throws CryptoException {
        return decode(bytes, 0, bytes.length);
    }

    public static String decode(byte[] bytes, int offset, int length) throws CryptoException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CryptoException("not well-formed UTF-8 (RFC 3629)");
        }
    }

    /** Encodes {@code text}, refusing a lone surrogate instead of writing {@code ?} in its place. */
    public static byte[] encode(String text) throws CryptoException {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new CryptoException("text holds a lone surrogate and has no UTF-8 form");
        }
    }
}
