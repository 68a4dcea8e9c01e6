package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
