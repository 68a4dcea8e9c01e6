package dev.carapace.client.chat;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A JSON document sealed in the {@link StateVault} under a purpose, carrying a revision {@code rev}: a write is
 * refused when the file on disk is no longer at the revision it was read at (another process wrote it since, and
 * writing now would roll it back). The installation and each group record are such documents.
 */
final class SealedDocument {
    private SealedDocument() {}

    /** The document, or null if there is none. */
    static JsonNode read(StateVault vault, Path file, String purpose) throws IOException {
        byte[] b = vault.read(file, purpose);
        return b == null ? null : parse(b);
    }

    /** Writes {@code doc} at revision {@code readAt + 1}; answers that revision. */
    static long write(StateVault vault, Path file, String purpose, ObjectNode doc, long readAt) throws IOException {
        JsonNode current = read(vault, file, purpose);
        long onDisk = current == null ? 0 : current.path("rev").asLong(0);
        if (onDisk != readAt) {
            throw new IllegalStateException("the chat state in " + file + " changed on disk since this process read"
                    + " it (revision " + onDisk + ", read " + readAt + "); not writing back an older state");
        }
        doc.put("rev", readAt + 1);
        vault.write(file, purpose, Json.compact(doc).getBytes(StandardCharsets.UTF_8));
        return readAt + 1;
    }

    private static JsonNode parse(byte[] b) throws IOException {
        try {
            JsonNode n = Json.parse(b);
            if (!n.isObject()) {
                throw new IOException("chat state is damaged: not a JSON object");
            }
            return n;
        } catch (CryptoException e) {
            throw new IOException("chat state is damaged: " + e.getMessage());
        }
    }
}
