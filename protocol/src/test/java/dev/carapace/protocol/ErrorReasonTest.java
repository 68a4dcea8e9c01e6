package dev.carapace.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ErrorReasonTest {
    private static final Path API_DOC = Path.of("..", "docs", "api.md");
    private static final String BEGIN = "<!-- error-reasons: generated from dev.carapace.protocol.ErrorReason;"
            + " ErrorReasonTest fails when they disagree (-Dcarapace.writeDocs=true rewrites this table) -->";
    private static final String END = "<!-- end of error-reasons -->";

    @Test
    void everyReasonReadsBackAsItself() {
        for (ErrorReason r : ErrorReason.values()) {
            if (r != ErrorReason.UNKNOWN) {
                assertThat(ErrorReason.fromWire(r.status(), r.wire())).isSameAs(r);
                assertThat(r.wire()).matches("[a-z][a-z_]*[a-z]");
                assertThat(r.status()).isBetween(400, 599);
                assertThat(r.meaning()).isNotBlank();
            }
        }
    }

    @Test
    void oneWireNameTellsApartByStatus() {
        assertThat(ErrorReason.fromWire(401, "digest_mismatch")).isSameAs(ErrorReason.DIGEST_MISMATCH);
        assertThat(ErrorReason.fromWire(400, "digest_mismatch")).isSameAs(ErrorReason.PACKAGE_DIGEST_MISMATCH);
        assertThat(ErrorReason.fromWire(409, "digest_mismatch")).isSameAs(ErrorReason.PUBLISHED_DIGEST_MISMATCH);
    }

    @Test
    void anythingElseIsUnknownNeverAnException() {
        assertThat(ErrorReason.fromWire(409, "no_such_reason")).isSameAs(ErrorReason.UNKNOWN);
        assertThat(ErrorReason.fromWire(409, null)).isSameAs(ErrorReason.UNKNOWN);
        assertThat(ErrorReason.fromWire(409, "")).isSameAs(ErrorReason.UNKNOWN);
        assertThat(ErrorReason.fromWire(0, "")).isSameAs(ErrorReason.UNKNOWN);
        // A known name under another status is not that reason: 200 or 500 "epoch_conflict" asks for no rebase.
        assertThat(ErrorReason.fromWire(200, "epoch_conflict")).isSameAs(ErrorReason.UNKNOWN);
        assertThat(ErrorReason.fromWire(500, "epoch_conflict")).isSameAs(ErrorReason.UNKNOWN);
        assertThat(ErrorReason.fromWire(409, "EPOCH_CONFLICT")).isSameAs(ErrorReason.UNKNOWN);
    }

    @Test
    void apiDocListsExactlyTheseReasons() throws IOException {
        String doc = Files.readString(API_DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("docs/api.md holds the marker " + BEGIN).isNotNegative();
        assertThat(end).as("docs/api.md holds the marker " + END).isGreaterThan(begin);
        String expected = BEGIN + "\n" + table() + END;
        String actual = doc.substring(begin, end + END.length());
        if (!actual.equals(expected) && Boolean.getBoolean("carapace.writeDocs")) {
            Files.writeString(API_DOC, doc.substring(0, begin) + expected + doc.substring(end + END.length()),
                    StandardCharsets.UTF_8);
            return;
        }
        assertThat(actual).as("docs/api.md's list of error reasons is ErrorReason's (run this test with"
                + " -Dcarapace.writeDocs=true to rewrite it)").isEqualTo(expected);
    }

    private static String table() {
        StringBuilder b = new StringBuilder("| status | reason | meaning |\n|---|---|---|\n");
        for (ErrorReason r : ErrorReason.values()) {
            if (r != ErrorReason.UNKNOWN) {
                b.append("| ").append(r.status()).append(" | `").append(r.wire()).append("` | ").append(r.meaning())
                        .append(" |\n");
            }
        }
        return b.toString();
    }
}
