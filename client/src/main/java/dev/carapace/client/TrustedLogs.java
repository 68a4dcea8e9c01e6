package dev.carapace.client;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.SecureFiles;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Frontier;
import dev.carapace.tlog.NoteVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a client trusts about each log, on disk: the verifier key it pinned on first contact, the last checkpoint it
 * verified, and (for monitors) the frontier of the entries it has hashed itself. One JSON file per log origin, each
 * written atomically.
 *
 * <p>What is trusted never moves back: {@link #save} refuses a state older than the one on disk (a smaller
 * checkpoint, another root at the same size, a shorter frontier, another key), so a process that read the state
 * before another one advanced it cannot roll it back. Callers reload and verify again.
 */
public final class TrustedLogs {
    /** One log's state. {@code checkpoint} and {@code frontier} are null until first set. */
    public record State(String origin, NoteVerifier key, String checkpoint, Frontier frontier) {}

    private final Path dir;

    public TrustedLogs(Path dir) {
        this.dir = dir;
    }

    /** The stored state of the log named {@code origin}, or null if this client never met it. */
    public synchronized State load(String origin) throws IOException {
        Path f = file(origin);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            JsonNode n = Json.parse(Files.readAllBytes(f));
            NoteVerifier key = NoteVerifier.parse(Json.text(n, "vkey"));
            if (!key.name().equals(origin) || !origin.equals(Json.text(n, "origin"))) {
                throw new CryptoException("it belongs to another log");
            }
            String checkpoint = n.hasNonNull("checkpoint") ? Json.text(n, "checkpoint") : null;
            Frontier frontier = null;
            if (n.hasNonNull("frontier")) {
                List<byte[]> hashes = new ArrayList<>();
                for (JsonNode h : n.get("frontier").path("hashes")) {
                    hashes.add(Bytes.fromB64(h.asString()));
                }
                frontier = Frontier.of(Json.integer(n.get("frontier"), "size"), hashes);
            }
            return new State(origin, key, checkpoint, frontier);
        } catch (CryptoException | IllegalArgumentException e) {
            throw new IOException(f + " is damaged: " + e.getMessage());
        }
    }

    public synchronized void save(State s) throws IOException {
        refuseRollback(load(s.origin()), s);
        ObjectNode o = Json.object();
        o.put("origin", s.origin());
        o.put("vkey", s.key().encode());
        if (s.checkpoint() != null) {
            o.put("checkpoint", s.checkpoint());
        }
        if (s.frontier() != null) {
            ObjectNode fr = o.putObject("frontier");
            fr.put("size", s.frontier().size());
            ArrayNode hashes = fr.putArray("hashes");
            s.frontier().hashes().forEach(h -> hashes.add(Bytes.b64(h)));
        }
        Files.createDirectories(dir);
        SecureFiles.writeAtomic(file(s.origin()), (Json.pretty(o) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Throws if {@code next} would replace {@code disk} by something older or different in what it trusts. */
    private void refuseRollback(State disk, State next) throws IOException {
        if (disk == null) {
            return;
        }
        String why = null;
        if (!disk.key().encode().equals(next.key().encode())) {
            why = "another key for the log";
        } else if (disk.checkpoint() != null) {
            try {
                Checkpoint was = Checkpoint.open(disk.checkpoint(), disk.key());
                Checkpoint now = next.checkpoint() == null ? null : Checkpoint.open(next.checkpoint(), next.key());
                if (now == null || now.size() < was.size()) {
                    why = "a checkpoint older than the trusted one of size " + was.size();
                } else if (now.size() == was.size() && !Bytes.constantTimeEquals(now.root(), was.root())) {
                    why = "another root for the trusted size " + was.size();
                }
            } catch (CryptoException e) {
                throw new IOException(file(disk.origin()) + " is damaged: " + e.getMessage());
            }
        }
        if (why == null && disk.frontier() != null
                && (next.frontier() == null || next.frontier().size() < disk.frontier().size())) {
            why = "a frontier shorter than the one of size " + disk.frontier().size();
        }
        if (why != null) {
            throw new IOException("not saving " + why + " over " + file(disk.origin())
                    + " (another process moved it on; run again)");
        }
    }

    /** A readable file name that cannot collide: the origin's safe characters plus a hash of all of it. */
    private Path file(String origin) {
        String safe = origin.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 60) {
            safe = safe.substring(0, 60);
        }
        byte[] h = Bytes.sha256(origin.getBytes(StandardCharsets.UTF_8));
        return dir.resolve(safe + "-" + HexFormat.of().formatHex(h, 0, 6) + ".json");
    }
}
