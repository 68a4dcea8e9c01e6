package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 13 (RFC 8785): the canonicalizer wrote {@code 1e16} as {@code 10000000000000000} and then refused its own output
 * (an integer above 2^53), so a canonical statement holding RFC 8785 Appendix B values failed verification.
 * Canonicalization must be idempotent for every value it accepts, and must not merge two different numbers.
 */
class CanonicalJsonAttackTest {

    private static String canon(String json) throws CryptoException {
        return new String(CanonicalJson.canonicalize(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** RFC 8785 Appendix B: the IEEE 754 bit pattern and the JSON form every implementation must write for it. */
    @ParameterizedTest(name = "{0} -> {1}")
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
    void appendixBValuesAreWrittenAsTheRfcSaysAndReadBackToThemselves(String bits, String expected) throws Exception {
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
        ArrayNode written = Json.MAPPER.createArrayNode().add(d);
        assertThat(CanonicalJson.encodeToString(written)).isEqualTo("[" + expected + "]");
        // The written form parses, and canonicalizes to itself.
        assertThat(canon("[" + expected + "]")).isEqualTo("[" + expected + "]");
        // And it is the same double again.
        assertThat(Json.parse("[" + expected + "]").get(0).doubleValue()).isEqualTo(d);
    }

    @ParameterizedTest
    @ValueSource(strings = {"7fffffffffffffff", "7ff0000000000000", "fff0000000000000"})
    void appendixBNanAndInfinityHaveNoForm(String bits) {
        double d = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));
        assertThatThrownBy(() -> CanonicalJson.encode(Json.MAPPER.createArrayNode().add(d)))
                .isInstanceOf(CryptoException.class);
    }

    @Test
    void theReportedCase1e16IsIdempotent() throws Exception {
        String once = canon("{\"n\":1e16}");
        assertThat(once).isEqualTo("{\"n\":10000000000000000}");
        assertThat(canon(once)).isEqualTo(once);
    }

    /** A signed in-toto statement holding every Appendix B value verifies: the payload's own canonical form is itself. */
    @Test
    void aSignedStatementHoldingAppendixBValuesVerifies() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        ObjectNode predicate = Json.object();
        ArrayNode numbers = predicate.putArray("numbers");
        for (String bits : List.of("4340000000000000", "4430000000000000", "44b52d02c7e14af6", "444b1ae4d6e2ef4e",
                "0000000000000001", "7fefffffffffffff", "becbf647612f3696", "43143ff3c1cb0959")) {
            numbers.add(Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16)));
        }
        numbers.add(1e16);
        InTotoStatement st = new InTotoStatement(
                List.of(new InTotoStatement.Subject("file", Bytes.hex(new byte[32]))),
                "https://example.org/numbers/v1", predicate);
        Dsse.Envelope env = st.sign("k", key);
        InTotoStatement back = InTotoStatement.fromEnvelope(Dsse.fromJson(env.toBytes()));
        assertThat(back.canonicalBytes()).isEqualTo(st.canonicalBytes());
    }

    @Test
    void integersAreNeverRoundedSilently() {
        // 2^53 + 1 is no double: two different integers would otherwise canonicalize alike.
        assertThatThrownBy(() -> canon("[9007199254740993]")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> CanonicalJson.encode(Json.MAPPER.createArrayNode().add(9007199254740993L)))
                .isInstanceOf(CryptoException.class);
        // 2^68 exactly, written in full, is not the digits RFC 8785 writes for that double.
        assertThatThrownBy(() -> canon("[295147905179352825856]")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> canon("[18446744073709551616]")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> canon("[-9223372036854775808]")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> CanonicalJson.encode(Json.MAPPER.createArrayNode().add(Long.MIN_VALUE)))
                .isInstanceOf(CryptoException.class);
    }

    @Test
    void numbersBeyondADoubleAreRefusedAtParse() {
        assertThatThrownBy(() -> Json.parse("[1e400]")).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> Json.parse("[-1e400]")).isInstanceOf(CryptoException.class);
    }

    /** Property: every finite double's canonical form parses back to that double and canonicalizes to itself. */
    @Test
    void everyDoubleRoundTrips() {
        qt().withExamples(20_000).withFixedSeed(0x8785L)
                .forAll(longs().all())
                .assuming(bits -> Double.isFinite(Double.longBitsToDouble(bits)))
                .checkAssert(bits -> {
                    double d = Double.longBitsToDouble(bits);
                    try {
                        String once = CanonicalJson.encodeToString(Json.MAPPER.createArrayNode().add(d));
                        assertThat(canon(once)).isEqualTo(once);
                        double back = Json.parse(once).get(0).doubleValue();
                        assertThat(back == d || (back == 0 && d == 0)).as(once).isTrue();
                    } catch (CryptoException e) {
                        throw new AssertionError(d + ": " + e.getMessage(), e);
                    }
                });
    }

    /**
     * Property: an integer literal is either refused at parse and at write alike, or accepted, canonicalized to
     * itself, and equal in value to its canonical form (no two integers merge).
     */
    @Test
    void integersAreRefusedConsistentlyOrKeptExactly() {
        qt().withExamples(20_000).withFixedSeed(0x2053L)
                .forAll(longs().all(), integers().between(0, 20))
                .checkAssert((base, shift) -> {
                    BigInteger v = BigInteger.valueOf(base).shiftLeft(shift);
                    String literal = v.toString();
                    String parsed;
                    try {
                        parsed = canon("[" + literal + "]");
                    } catch (CryptoException e) {
                        assertThatThrownBy(() -> CanonicalJson.encode(Json.MAPPER.createArrayNode().add(v)))
                                .as(literal).isInstanceOf(CryptoException.class);
                        return;
                    }
                    try {
                        assertThat(canon(parsed)).isEqualTo(parsed);
                        String number = parsed.substring(1, parsed.length() - 1);
                        assertThat(new BigDecimal(number).compareTo(new BigDecimal(v))).as(literal).isZero();
                        assertThat(CanonicalJson.encodeToString(Json.MAPPER.createArrayNode().add(v)))
                                .isEqualTo(parsed);
                    } catch (CryptoException e) {
                        throw new AssertionError(literal + ": " + e.getMessage(), e);
                    }
                });
    }

    /**
     * Differential check against npm {@code canonicalize}, an independent RFC 8785 implementation, when node and the
     * package are installed (set {@code CARAPACE_NPM_CANONICALIZE} to the folder holding {@code node_modules}).
     */
    @Test
    void agreesWithTheNpmCanonicalizePackage(@TempDir Path tmp) throws Exception {
        String dir = System.getenv("CARAPACE_NPM_CANONICALIZE");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "node_modules", "canonicalize")),
                "SKIPPED: set CARAPACE_NPM_CANONICALIZE to a folder with node_modules/canonicalize (npm i canonicalize)"
                        + " to compare with an independent RFC 8785 implementation");
        List<Double> values = new ArrayList<>();
        java.util.Random r = new java.util.Random(8785);
        while (values.size() < 5000) {
            double d = Double.longBitsToDouble(r.nextLong());
            if (Double.isFinite(d)) {
                values.add(d);
            }
        }
        ArrayNode arr = Json.MAPPER.createArrayNode();
        StringBuilder hex = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            arr.add(values.get(i));
            hex.append(i == 0 ? "" : ",").append('"').append(Long.toHexString(Double.doubleToRawLongBits(values.get(i))))
                    .append('"');
        }
        hex.append(']');
        Path in = Files.writeString(tmp.resolve("bits.json"), hex.toString());
        // The package is an ES module (version 4); the bit patterns travel as hex so no JSON parser touches them.
        String script = "import('canonicalize').then(({default:c})=>{const b=JSON.parse(require('fs').readFileSync("
                + "process.argv[1],'utf8'));const dv=new DataView(new ArrayBuffer(8));process.stdout.write(c(b.map(h=>{"
                + "dv.setBigUint64(0,BigInt('0x'+h));return dv.getFloat64(0);})));});";
        Process p;
        try {
            p = new ProcessBuilder("node", "-e", script, in.toString())
                    .directory(Path.of(dir).toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("SKIPPED: node is not installed");
            return;
        }
        String theirs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(CanonicalJson.encodeToString(arr)).isEqualTo(theirs);
    }
}
