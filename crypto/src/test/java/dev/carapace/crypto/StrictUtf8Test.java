package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13 (RFC 3629): overlong UTF-8 ({@code C0 AF}) inside JSON was read as {@code /}. Signed JSON is strict UTF-8:
 * overlongs, encoded surrogates, code points above U+10FFFF, stray and truncated sequences, a byte order mark, and
 * lone surrogates written as escapes are all refused.
 */
class StrictUtf8Test {

    private static byte[] json(String hexInsideString) {
        byte[] head = "{\"p\":\"a".getBytes(StandardCharsets.US_ASCII);
        byte[] mid = java.util.HexFormat.of().parseHex(hexInsideString);
        byte[] tail = "b\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + mid.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(mid, 0, out, head.length, mid.length);
        System.arraycopy(tail, 0, out, head.length + mid.length, tail.length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "c0af",         // overlong '/'
        "c1bf",         // overlong
        "e080af",       // overlong '/' in three bytes
        "f08080af",     // overlong '/' in four bytes
        "eda080",       // UTF-8-encoded high surrogate U+D800
        "edbfbf",       // UTF-8-encoded low surrogate U+DFFF
        "eda0bdedb880", // a surrogate pair encoded as two three-byte sequences (CESU-8)
        "f4908080",     // U+110000, beyond Unicode
        "f5808080",     // lead byte F5 never appears
        "80",           // stray continuation byte
        "e282",         // truncated sequence
        "fe", "ff",
    })
    void malformedUtf8InJsonIsRefused(String hex) {
        assertThatThrownBy(() -> Json.parse(json(hex))).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> CanonicalJson.canonicalize(json(hex))).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> Utf8.decode(java.util.HexFormat.of().parseHex(hex)))
                .isInstanceOf(CryptoException.class);
    }

    @Test
    void theOverlongSlashIsNotReadAsASlash() {
        // {"path":"..<C0 AF>etc"} must not become "../etc".
        byte[] attack = json("2e2ec0af");
        assertThatThrownBy(() -> Json.parse(attack)).isInstanceOf(CryptoException.class);
    }

    @Test
    void aSignedDssePayloadWithAnOverlongIsRefused() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Dsse.Envelope env = Dsse.sign("application/vnd.in-toto+json", json("c0af"), "k", key);
        // The signature is fine; the payload is not text any verifier may read.
        Dsse.verify(env, id -> key.publicKey(), 1);
        assertThatThrownBy(() -> InTotoStatement.fromEnvelope(env)).isInstanceOf(CryptoException.class);
    }

    @Test
    void aByteOrderMarkIsRefused() {
        byte[] withBom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'};
        assertThatThrownBy(() -> Json.parse(withBom)).isInstanceOf(CryptoException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\\ud800\"", "\"a\\udc00b\"", "\"\\ude00\\ud83d\"", "{\"\\ud800\":1}"})
    void loneSurrogateEscapesAreRefusedAtParse(String text) {
        assertThatThrownBy(() -> Json.parse(text.getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(CryptoException.class);
    }

    @Test
    void aLoneSurrogateInAJavaStringIsNotTurnedIntoAQuestionMark() {
        assertThatThrownBy(() -> Json.parse("\"\ud800\"")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> Utf8.encode("a\udc00")).isInstanceOf(CryptoException.class);
    }

    @Test
    void wellFormedTextIsReadExactly() throws Exception {
        // Every length of sequence at its boundaries: U+007F, U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF,
        // and an escaped surrogate pair.
        String s = "\u007f\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff";
        byte[] bytes = ("[\"" + s + "\",\"\\ud83d\\ude00\"]").getBytes(StandardCharsets.UTF_8);
        assertThat(Json.parse(bytes).get(0).stringValue()).isEqualTo(s);
        assertThat(Json.parse(bytes).get(1).stringValue()).isEqualTo("\ud83d\ude00");
        assertThat(Utf8.decode(s.getBytes(StandardCharsets.UTF_8))).isEqualTo(s);
    }
}
