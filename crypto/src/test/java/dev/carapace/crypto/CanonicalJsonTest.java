package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.JsonNodeFactory;

class CanonicalJsonTest {

    private static String canon(String json) throws CryptoException {
        return new String(CanonicalJson.canonicalize(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void rfc8785Section322Example() throws Exception {
        String input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
              "literals": [null, true, false]
            }""";
        assertThat(canon(input)).isEqualTo(
                "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                        + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    }

    @Test
    void rfc8785Section323SortsByUtf16CodeUnits() throws Exception {
        String input = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With"
                + " Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
                + "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
        String out = canon(input);
        // Expected order per the RFC: \r, 1, U+0080, U+00F6, U+20AC, U+1F600 (as surrogates D83D), U+FB33.
        int[] positions = {
            out.indexOf("Carriage Return"), out.indexOf("One"), out.indexOf("Control"), out.indexOf("Latin Small"),
            out.indexOf("Euro Sign"), out.indexOf("Emoji"), out.indexOf("Hebrew"),
        };
        for (int i = 1; i < positions.length; i++) {
            assertThat(positions[i]).isGreaterThan(positions[i - 1]);
        }
    }

    /** RFC 8785 appendix B: IEEE 754 bit patterns and their ECMAScript serialization. */
    @ParameterizedTest
    @CsvSource({
        "0000000000000000, 0",
        "8000000000000000, 0",
        "0000000000000001, 5e-324",
        "8000000000000001, -5e-324",
        "7fefffffffffffff, 1.7976931348623157e+308",
        "ffefffffffffffff, -1.7976931348623157e+308",
        "4340000000000000, 9007199254740992",
        "c340000000000000, -9007199254740992",
        "4430000000000000, 295147905179352830000",
        "44b52d02c7e14af5, 9.999999999999997e+22",
        "44b52d02c7e14af6, 1e+23",
        "44b52d02c7e14af7, 1.0000000000000001e+23",
        "444b1ae4d6e2ef4e, 999999999999999700000",
        "444b1ae4d6e2ef4f, 999999999999999900000",
        "444b1ae4d6e2ef50, 1e+21",
        "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
        "3eb0c6f7a0b5ed8d, 0.000001",
        "41b3de4355555553, 333333333.3333332",
        "41b3de4355555554, 333333333.33333325",
        "41b3de4355555555, 333333333.3333333",
        "41b3de4355555556, 333333333.3333334",
        "41b3de4355555557, 333333333.33333343",
        "becbf647612f3696, -0.0000033333333333333333",
        "43143ff3c1cb0959, 1424953923781206.2",
    })
    void rfc8785NumberSerialization(String bits, String expected) throws Exception {
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
        byte[] out = CanonicalJson.encode(JsonNodeFactory.instance.numberNode(d));
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @Test
    void integersAndNesting() throws Exception {
        assertThat(canon("{\"b\":[1,{\"z\":0,\"a\":-7}],\"a\":{}}")).isEqualTo("{\"a\":{},\"b\":[1,{\"a\":-7,\"z\":0}]}");
        assertThat(canon("[9007199254740991]")).isEqualTo("[9007199254740991]");
    }

    @Test
    void rejectsWhatCannotBeCanonical() {
        assertThatThrownBy(() -> canon("{\"a\":1,\"a\":2}")).hasMessageContaining("Duplicate");
        assertThatThrownBy(() -> canon("[9007199254740993]")).hasMessageContaining("not an IEEE 754 double");
        assertThatThrownBy(() -> canon("[\"\\ud800\"]")).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> canon("{\"a\":1} x")).isInstanceOf(CryptoException.class);
    }
}
