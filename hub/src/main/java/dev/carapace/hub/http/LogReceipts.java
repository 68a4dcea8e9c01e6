package dev.carapace.hub.http;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.Json;
import dev.carapace.hub.log.LogServer;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON of a log receipt, as {@code POST /v1/log/entries} answers it and every route that logs a statement
 * includes it: index, size, leaf hash, the signed checkpoint and the inclusion proof, hashes in base64.
 */
public final class LogReceipts {
    private LogReceipts() {}

    public static ObjectNode json(LogServer.Receipt r) {
        ObjectNode o = Json.object();
        o.put("index", r.index());
        o.put("size", r.size());
        o.put("leafHash", Bytes.b64(r.leafHash()));
        o.put("checkpoint", r.checkpoint());
        o.set("proof", hashes(r.proof()));
        return o;
    }

    /** Hashes as a JSON array of base64 strings, as proofs are answered. */
    public static ArrayNode hashes(List<byte[]> hashes) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        hashes.forEach(h -> arr.add(Bytes.b64(h)));
        return arr;
    }
}
