package dev.carapace.sandbox;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CanonicalJson;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.Utf8;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An append-only, hash-chained record of what a skill did and was refused. One JSON object per line:
 * {@code {"seq","time","type","details","prev","hash"}}. {@code prev} is the hex SHA-256 of the previous line's bytes
 * (64 zeros for the first line); {@code hash} is the hex SHA-256 of the RFC 8785 canonical form of the record without
 * its {@code hash} field. Editing, removing or reordering any line breaks the chain at that line. Truncating the tail
 * cannot be detected from the file alone: anchor {@link #head()} somewhere else if that matters.
 *
 * <p>Secret values are never written; callers pass names only.
 */
public final class AuditLog implements AutoCloseable {
    public static final String GENESIS = "0".repeat(64);

    private final OutputStream out;
    private final Clock clock;
    private long seq;
    private String prevLineHash;

    private AuditLog(OutputStream out, Clock clock, long seq, String prevLineHash) {
        this.out = out;
        this.clock = clock;
        this.seq = seq;
        this.prevLineHash = prevLineHash;
    }

    /** Opens (or creates) a log file; an existing file must verify, and the chain continues from its last line. */
    public static AuditLog open(Path file) throws IOException {
        return open(file, Clock.systemUTC());
    }

    public static AuditLog open(Path file, Clock clock) throws IOException {
        long seq = 0;
        String prev = GENESIS;
        if (Files.exists(file)) {
            Verification v = verify(file);
            if (!v.valid()) {
                throw new IOException("audit log " + file + " does not verify (" + v.detail() + "); refusing to append");
            }
            seq = v.records();
            prev = v.lastLineHash();
        }
        // A FileOutputStream, not a channel: the watchdog interrupts the skill's thread, and an interrupt during a
        // channel write would close the log for every record after it.
        OutputStream os = new java.io.FileOutputStream(file.toFile(), true);
        return new AuditLog(os, clock, seq, prev);
    }

    /** A log kept in memory, for callers who only want the records in the result. */
    public static AuditLog inMemory(OutputStream sink) {
        return new AuditLog(sink, Clock.systemUTC(), 0, GENESIS);
    }

    /**
     * Appends one record. Details values may be strings, numbers or booleans; keys are written sorted. Write failures are thrown: a sandbox
     * that cannot audit must stop.
     */
    public synchronized void record(String type, Map<String, ?> details) {
        ObjectNode rec = Json.object();
        rec.put("seq", seq);
        rec.put("time", Instant.now(clock).toString());
        rec.put("type", type);
        ObjectNode d = rec.putObject("details");
        // Keys sorted: records read the same whatever map the caller built them from.
        new java.util.TreeMap<String, Object>(details).forEach((k, v) -> {
            if (v instanceof Number n) {
                d.put(k, n.longValue());
            } else if (v instanceof Boolean b) {
                d.put(k, b);
            } else {
                d.put(k, String.valueOf(v));
            }
        });
        rec.put("prev", prevLineHash);
        try {
            rec.put("hash", Bytes.hex(Bytes.sha256(CanonicalJson.encode(rec))));
        } catch (CryptoException e) {
            throw new IllegalStateException("audit record cannot be canonicalized", e);
        }
        byte[] line = Json.compact(rec).getBytes(StandardCharsets.UTF_8);
        byte[] withNewline = java.util.Arrays.copyOf(line, line.length + 1);
        withNewline[line.length] = '\n';
        try {
            out.write(withNewline);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("audit log write failed", e);
        }
        seq++;
        prevLineHash = Bytes.hex(Bytes.sha256(line));
    }

    /** SHA-256 of the last line written (or of the file's last line when opened), to anchor the log elsewhere. */
    public synchronized String head() {
        return prevLineHash;
    }

    public synchronized long records() {
        return seq;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    /** Result of {@link #verify}: {@code firstBadLine} is 1-based, 0 when valid. */
    public record Verification(boolean valid, long records, int firstBadLine, String detail, String lastLineHash) {}

    public static Verification verify(Path file) throws IOException {
        return verify(Files.readAllBytes(file));
    }

    public static Verification verify(byte[] content) {
        if (content.length > 0 && content[content.length - 1] != '\n') {
            int lines = 1;
            for (byte b : content) {
                if (b == '\n') {
                    lines++;
                }
            }
            return new Verification(false, 0, lines, "line " + lines + ": not terminated by a newline", null);
        }
        // Each line is checked as the bytes it is: decoded strictly (a lenient decoder reads a stray byte as the
        // replacement character, so two byte strings would verify as one) and chained by its own bytes.
        String prev = GENESIS;
        int records = 0;
        for (int start = 0, i = 0; start < content.length; i++) {
            int end = start;
            while (content[end] != '\n') {
                end++;
            }
            String line;
            try {
                line = Utf8.decode(content, start, end - start);
            } catch (CryptoException e) {
                return new Verification(false, i, i + 1, "line " + (i + 1) + ": " + e.getMessage(), prev);
            }
            String problem = checkLine(line, i, prev);
            if (problem != null) {
                return new Verification(false, i, i + 1, "line " + (i + 1) + ": " + problem, prev);
            }
            prev = Bytes.hex(Bytes.sha256(java.util.Arrays.copyOfRange(content, start, end)));
            records++;
            start = end + 1;
        }
        return new Verification(true, records, 0, records + " records, chain intact", prev);
    }

    private static String checkLine(String line, long expectedSeq, String expectedPrev) {
        JsonNode rec;
        try {
            rec = Json.parseObject(Utf8.encode(line));
            Json.onlyFields(rec, "record", "seq", "time", "type", "details", "prev", "hash");
            if (Json.integer(rec, "seq") != expectedSeq) {
                return "seq " + rec.get("seq") + " where " + expectedSeq + " was expected (removed or reordered)";
            }
            Json.text(rec, "time");
            Json.text(rec, "type");
            if (rec.get("details") == null || !rec.get("details").isObject()) {
                return "details must be an object";
            }
            if (!Json.text(rec, "prev").equals(expectedPrev)) {
                return "prev does not match the previous line (edited, removed or reordered)";
            }
            String hash = Json.text(rec, "hash");
            ObjectNode body = ((ObjectNode) rec).deepCopy();
            body.remove("hash");
            if (!Bytes.hex(Bytes.sha256(CanonicalJson.encode(body))).equals(hash)) {
                return "hash does not match the record (edited)";
            }
            return null;
        } catch (CryptoException e) {
            return e.getMessage();
        }
    }
}
