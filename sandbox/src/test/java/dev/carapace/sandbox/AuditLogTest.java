package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    @TempDir
    Path dir;

    private Path fiveRecords() throws IOException {
        Path f = dir.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(f)) {
            log.record("fs.open", Map.of("path", "/data/a.txt", "access", "read"));
            log.record("fs.deny", Map.of("path", "/etc/passwd", "reason", "absolute path"));
            log.record("secret.get", Map.of("name", "API_KEY"));
            log.record("net.request", Map.of("host", "api.example.com", "port", 443, "status", 200, "bytes", 12));
            log.record("exit", Map.of("code", 0));
        }
        return f;
    }

    @Test
    void intactLogVerifiesAndReopeningContinuesTheChain() throws Exception {
        Path f = fiveRecords();
        AuditLog.Verification v = AuditLog.verify(f);
        assertThat(v.valid()).as(v.detail()).isTrue();
        assertThat(v.records()).isEqualTo(5);
        try (AuditLog log = AuditLog.open(f)) {
            assertThat(log.head()).isEqualTo(v.lastLineHash());
            log.record("exit", Map.of("code", 1));
        }
        assertThat(AuditLog.verify(f).valid()).isTrue();
        assertThat(AuditLog.verify(f).records()).isEqualTo(6);
        assertThat(Files.readString(f)).contains("\"prev\":\"" + "0".repeat(64) + "\"");
    }

    @Test
    void aLineThatIsNotWellFormedUtf8DoesNotVerify() throws Exception {
        // A replacement character written as such (EF BF BD) and a stray byte (FF) decode to the same text when
        // decoding is lenient: the chain would then vouch for bytes that were never written.
        Path f = dir.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(f)) {
            log.record("fs.open", Map.of("path", "/data/\uFFFD.txt"));
            log.record("exit", Map.of("code", 0));
        }
        byte[] bytes = Files.readAllBytes(f);
        assertThat(AuditLog.verify(bytes).valid()).isTrue();
        ByteArrayOutputStream edited = new ByteArrayOutputStream();
        for (int i = 0; i < bytes.length; i++) {
            if (i + 2 < bytes.length && (bytes[i] & 0xff) == 0xEF && (bytes[i + 1] & 0xff) == 0xBF
                    && (bytes[i + 2] & 0xff) == 0xBD) {
                edited.write(0xFF);
                i += 2;
            } else {
                edited.write(bytes[i]);
            }
        }
        AuditLog.Verification v = AuditLog.verify(edited.toByteArray());
        assertThat(v.valid()).isFalse();
        assertThat(v.firstBadLine()).isEqualTo(1);
        assertThat(v.detail()).contains("UTF-8");
    }

    @Test
    void detectsAnEditedLine() throws Exception {
        Path f = fiveRecords();
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        lines.set(2, lines.get(2).replace("API_KEY", "OTHER_KEY"));
        Files.write(f, lines);
        AuditLog.Verification v = AuditLog.verify(f);
        assertThat(v.valid()).isFalse();
        assertThat(v.firstBadLine()).isEqualTo(3);
        assertThat(v.detail()).contains("edited");
    }

    @Test
    void detectsAnEditedLineWithARecomputedHash() throws Exception {
        Path f = fiveRecords();
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        // An attacker who rewrites line 2 consistently still breaks line 3's prev.
        var rec = (tools.jackson.databind.node.ObjectNode) dev.carapace.crypto.Json.parse(lines.get(1));
        ((tools.jackson.databind.node.ObjectNode) rec.get("details")).put("path", "/data/ok");
        rec.remove("hash");
        rec.put("hash", dev.carapace.crypto.Bytes.hex(dev.carapace.crypto.Bytes.sha256(
                dev.carapace.crypto.CanonicalJson.encode(rec))));
        lines.set(1, dev.carapace.crypto.Json.compact(rec));
        Files.write(f, lines);
        AuditLog.Verification v = AuditLog.verify(f);
        assertThat(v.valid()).isFalse();
        assertThat(v.firstBadLine()).isEqualTo(3);
    }

    @Test
    void detectsRemovalAndReorder() throws Exception {
        Path f = fiveRecords();
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        List<String> removed = new ArrayList<>(lines);
        removed.remove(1);
        Files.write(f, removed);
        assertThat(AuditLog.verify(f).firstBadLine()).isEqualTo(2);
        List<String> swapped = new ArrayList<>(lines);
        Collections.swap(swapped, 3, 4);
        Files.write(f, swapped);
        assertThat(AuditLog.verify(f).firstBadLine()).isEqualTo(4);
        List<String> first = new ArrayList<>(lines);
        first.remove(0);
        Files.write(f, first);
        assertThat(AuditLog.verify(f).firstBadLine()).isEqualTo(1);
    }

    @Test
    void refusesToAppendToABrokenLog() throws Exception {
        Path f = fiveRecords();
        Files.writeString(f, Files.readString(f).replace("\"code\":0", "\"code\":9"));
        assertThatThrownBy(() -> AuditLog.open(f)).isInstanceOf(IOException.class).hasMessageContaining("line 5");
    }

    @Test
    void garbageAndPartialLinesAreInvalid() {
        assertThat(AuditLog.verify("not json\n".getBytes()).firstBadLine()).isEqualTo(1);
        assertThat(AuditLog.verify("{}".getBytes()).valid()).isFalse();
        assertThat(AuditLog.verify(new byte[0]).valid()).isTrue();
    }
}
