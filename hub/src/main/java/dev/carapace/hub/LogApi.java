package dev.carapace.hub;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.Utf8;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.log.TransparencyLog;
import dev.carapace.protocol.ErrorReason;
import dev.carapace.tlog.TilePath;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The transparency log's routes: signed appends of DSSE statements, checkpoints, entries and proofs. */
final class LogApi {
    /** Envelopes in one batch append; every rate-limit tier's minute holds at least this many requests by default. */
    static final int MAX_BATCH_ENVELOPES = 32;

    private final TransparencyLog log;

    LogApi(TransparencyLog log) {
        this.log = log;
    }

    List<Route> routes() {
        return List.of(
                new Route("POST", "/v1/log/entries", Route.Auth.SIGNED, "log",
                        "Append a DSSE envelope signed by the caller's current key; answers once it is durable and"
                                + " covered by a signed checkpoint.", this::append),
                new Route("POST", "/v1/log/batch", Route.Auth.SIGNED, "log",
                        "Append up to " + MAX_BATCH_ENVELOPES + " DSSE envelopes ({\"envelopes\": [...]}) signed by the"
                                + " caller's current key, all or none, at consecutive indexes under one checkpoint;"
                                + " costs one request of the rate limit per envelope.", this::appendBatch),
                new Route("GET", "/checkpoint", Route.Auth.PUBLIC, "log",
                        "The latest checkpoint, a C2SP signed note, with the witness cosignatures collected so far.",
                        call -> note(log.latestCheckpoint())),
                new Route("GET", "/v1/log/checkpoint/witnessed/{k}", Route.Auth.PUBLIC, "log",
                        "The largest checkpoint cosigned by at least k of the log's witnesses, with their"
                                + " cosignatures.", this::witnessed),
                new Route("POST", "/v1/log/cosignatures", Route.Auth.PUBLIC, "log",
                        "A witness hands back a checkpoint carrying its C2SP cosignature (text/plain signed note);"
                                + " only configured witnesses are accepted.", "text/plain", this::cosignatures),
                new Route("GET", "/tile/{path*}", Route.Auth.PUBLIC, "log",
                        "C2SP tlog-tiles: hash tiles tile/<L>/<N>[.p/<W>] and entry bundles tile/entries/<N>[.p/<W>];"
                                + " immutable, cacheable.", this::tile),
                new Route("GET", "/v1/log/entries/{index}", Route.Auth.PUBLIC, "log",
                        "The entry at an index, base64.", this::entry),
                new Route("GET", "/v1/log/proof/inclusion/{index}/{size}", Route.Auth.PUBLIC, "log",
                        "RFC 9162 inclusion proof of an entry in the tree of a size.", this::inclusion),
                new Route("GET", "/v1/log/proof/consistency/{from}/{to}", Route.Auth.PUBLIC, "log",
                        "RFC 9162 consistency proof between two tree sizes.", this::consistency));
    }

    private Reply append(Call call) throws Exception {
        byte[] entry = signedByCaller(call, call.json(), "the envelope");
        TransparencyLog.Appended a;
        try {
            a = log.appendAndWait(entry, call.caller().id());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorReason.INVALID_ENTRY, e.getMessage());
        } catch (TransparencyLog.UnavailableException e) {
            throw new ApiException(ErrorReason.LOG_UNAVAILABLE, e.getMessage() + "; retry", 1);
        }
        ObjectNode o = log.receipt(a, entry);
        return Reply.json(201, o);
    }

    /**
     * Appends up to {@value #MAX_BATCH_ENVELOPES} envelopes at consecutive indexes, all or none: each is checked as
     * {@link #append} checks one, and the batch costs as many requests of the caller's rate limit as it holds
     * envelopes (charged before any signature is checked).
     */
    private Reply appendBatch(Call call) throws Exception {
        JsonNode list = call.json().get("envelopes");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_BATCH_ENVELOPES) {
            throw new ApiException(ErrorReason.INVALID_BATCH, "\"envelopes\" must be an array of 1 to "
                    + MAX_BATCH_ENVELOPES + " DSSE envelopes");
        }
        call.chargeAsRequests(list.size());
        List<byte[]> entries = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            entries.add(signedByCaller(call, list.get(i), "envelope " + i));
        }
        List<TransparencyLog.Appended> appended;
        try {
            appended = log.appendAllAndWait(entries, call.caller().id());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorReason.INVALID_ENTRY, e.getMessage());
        } catch (TransparencyLog.UnavailableException e) {
            throw new ApiException(ErrorReason.LOG_UNAVAILABLE, e.getMessage() + "; retry", 1);
        }
        ObjectNode o = Json.object();
        ArrayNode receipts = o.putArray("entries");
        for (int i = 0; i < entries.size(); i++) {
            receipts.add(log.receipt(appended.get(i), entries.get(i)));
        }
        return Reply.json(201, o);
    }

    /** The log entry for a DSSE envelope signed by the key that authenticated this very request, or a 400. */
    private static byte[] signedByCaller(Call call, JsonNode json, String what) throws ApiException {
        Dsse.Envelope env;
        try {
            env = Dsse.fromJson(json);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ENVELOPE, what + ": " + e.getMessage());
        }
        try {
            call.caller().key().requireSigned(env);
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.INVALID_ENVELOPE, what + " is not signed by your current key");
        }
        return env.toBytes();
    }

    private Reply tile(Call call) throws Exception {
        TilePath t;
        try {
            t = TilePath.parse("tile/" + call.param("path"));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no such tile: " + e.getMessage());
        }
        long per = TilePath.leavesPerHash(t.level());
        long first = t.index() * TilePath.FULL_WIDTH;
        long end = (first + t.width()) * per;
        if (end > log.checkpointedSize() || end < first) {
            throw ApiException.notFound("the log does not cover " + t.encode() + " yet");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (t.entries()) {
            for (byte[] e : log.entries(first, first + t.width())) {
                out.write(e.length >>> 8);
                out.write(e.length & 0xff);
                out.write(e);
            }
        } else {
            for (byte[] h : log.tileHashes(t.level(), first, t.width())) {
                out.write(h);
            }
        }
        // A tile's content never changes (a partial tile of width W is final for W), so caches may keep it.
        return new Reply(200, out.toByteArray(), "application/octet-stream",
                Map.of("Cache-Control", "public, max-age=31536000, immutable"));
    }

    private Reply witnessed(Call call) throws Exception {
        long k = call.pathNumber("k", Long.MAX_VALUE, ErrorReason.INVALID_K);
        if (k < 1 || k > log.witnesses().size()) {
            throw ApiException.notFound("this log has " + log.witnesses().size() + " witnesses");
        }
        String note = log.witnessedCheckpoint((int) k);
        if (note == null) {
            throw ApiException.notFound("no checkpoint has " + k + " cosignatures yet");
        }
        return note(note);
    }

    private Reply cosignatures(Call call) throws Exception {
        try {
            String note;
            try {
                note = Utf8.decode(call.body());
            } catch (CryptoException e) {
                throw new ApiException(ErrorReason.MALFORMED_NOTE, e.getMessage());
            }
            List<String> accepted = log.addCosignatures(note);
            ObjectNode o = Json.object();
            ArrayNode names = o.putArray("accepted");
            accepted.forEach(names::add);
            return Reply.ok(o);
        } catch (TransparencyLog.CosignatureException e) {
            throw new ApiException(e.reason(), e.getMessage());
        }
    }

    private static Reply note(String note) {
        return new Reply(200, note.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", Map.of());
    }

    private Reply entry(Call call) throws Exception {
        long index = call.pathNumber("index", Long.MAX_VALUE, ErrorReason.INVALID_INDEX);
        byte[] e = log.entry(index);
        if (e == null) {
            throw ApiException.notFound("no entry " + index);
        }
        ObjectNode o = Json.object();
        o.put("index", index);
        o.put("entry", Bytes.b64(e));
        return Reply.ok(o);
    }

    private Reply inclusion(Call call) throws Exception {
        long index = call.pathNumber("index", Long.MAX_VALUE, ErrorReason.INVALID_INDEX);
        long size = call.pathNumber("size", Long.MAX_VALUE, ErrorReason.INVALID_SIZE);
        try {
            ObjectNode o = Json.object();
            o.put("leafIdx", index);
            o.put("treeSize", size);
            o.set("proof", hashes(log.inclusionProof(index, size)));
            return Reply.ok(o);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }

    private Reply consistency(Call call) throws Exception {
        long from = call.pathNumber("from", Long.MAX_VALUE, ErrorReason.INVALID_FROM);
        long to = call.pathNumber("to", Long.MAX_VALUE, ErrorReason.INVALID_TO);
        try {
            ObjectNode o = Json.object();
            o.put("size1", from);
            o.put("size2", to);
            o.set("proof", hashes(log.consistencyProof(from, to)));
            return Reply.ok(o);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }

    private static ArrayNode hashes(List<byte[]> proof) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        proof.forEach(h -> arr.add(Bytes.b64(h)));
        return arr;
    }

    static void describe(ObjectNode wellKnown, TransparencyLog log) {
        ObjectNode l = wellKnown.putObject("log");
        l.put("origin", log.origin());
        l.put("vkey", log.verifier().encode());
        l.put("checkpoint", "/checkpoint");
        l.put("append", "/v1/log/entries");
        l.put("appendBatch", "/v1/log/batch");
        l.put("maxBatchEnvelopes", MAX_BATCH_ENVELOPES);
        ArrayNode w = l.putArray("witnesses");
        log.witnesses().forEach(c -> w.add(c.encode()));
    }
}
