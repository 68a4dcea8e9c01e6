package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads a proof file in the JSON shape of the transparency-dev Merkle test vectors and verifies it: an inclusion
 * proof ({@code leafIdx, treeSize, root, leafHash, proof}) or a consistency proof
 * ({@code size1, size2, root1, root2, proof}), told apart by their fields. Used by {@code carapace log verify-proof}.
 */
public final class ProofFiles {
    private ProofFiles() {}

    /** The outcome: valid or not, why, what kind of proof, and the file's own {@code wantErr} if it has one. */
    public record Result(boolean valid, String kind, String detail, Boolean wantErr) {}

    public static Result verify(Path file) throws IOException {
        JsonNode n;
        try {
            n = Json.parse(Files.readAllBytes(file));
        } catch (CryptoException e) {
            return new Result(false, "unknown", file + ": " + e.getMessage(), null);
        }
        Boolean wantErr = n.has("wantErr") ? n.get("wantErr").asBoolean() : null;
        try {
            if (n.has("leafIdx")) {
                Merkle.verifyInclusion(size(n, "leafIdx"), size(n, "treeSize"),
                        b64(n, "leafHash"), hashes(n.get("proof")), b64(n, "root"));
                return new Result(true, "inclusion", "leaf " + size(n, "leafIdx") + " is in the tree of size "
                        + size(n, "treeSize"), wantErr);
            }
            if (n.has("size1")) {
                Merkle.verifyConsistency(size(n, "size1"), size(n, "size2"), b64(n, "root1"),
                        b64(n, "root2"), hashes(n.get("proof")));
                return new Result(true, "consistency", "the tree of size " + size(n, "size2")
                        + " extends the tree of size " + size(n, "size1"), wantErr);
            }
            return new Result(false, "unknown", "neither an inclusion nor a consistency proof", wantErr);
        } catch (ProofException | CryptoException e) {
            return new Result(false, n.has("leafIdx") ? "inclusion" : "consistency", e.getMessage(), wantErr);
        }
    }

    /** A tree size or index: an integer in [0, 2^63); the vectors also carry uint64 values beyond that. */
    private static long size(JsonNode n, String field) throws ProofException {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw new ProofException("'" + field + "' is not a tree size or index this log can hold");
        }
        return v.longValue();
    }

    private static byte[] b64(JsonNode n, String field) throws CryptoException {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : Bytes.fromB64(v.asString());
    }

    private static List<byte[]> hashes(JsonNode arr) throws CryptoException {
        List<byte[]> out = new ArrayList<>();
        if (arr != null && !arr.isNull()) {
            for (JsonNode h : arr) {
                out.add(Bytes.fromB64(h.asString()));
            }
        }
        return out;
    }
}
