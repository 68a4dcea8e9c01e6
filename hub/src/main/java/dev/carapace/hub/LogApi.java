package dev.carapace.hub;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.Json;
import dev.carapace.crypto.Utf8;
import dev.carapace.hub.http.ApiException;
import dev.carapace.hub.http.Call;
import dev.carapace.hub.http.LogReceipts;
import dev.carapace.hub.http.Reply;
import dev.carapace.hub.http.Route;
import dev.carapace.hub.limits.HubLimits;
import dev.carapace.hub.log.LogSequencer;
import dev.carapace.hub.log.LogServer;
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
    static final int MAX_BATCH_ENVELOPES = HubLimits.LOG_ENVELOPES_PER_REQUEST;

    private final TransparencyLog log;
    private final LogSequencer sequencer;
    private final LogServer server;

    LogApi(TransparencyLog log) {
        this.log = log;
        this.sequencer = log.sequencer();
        this.server = log.server();
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
                        call -> note(server.latestCheckpoint())),
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
        LogSequencer.Appended a;
        try {
            a = sequencer.appendAndWait(entry, call.caller().id());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorReason.INVALID_ENTRY, e.getMessage());
        } catch (TransparencyLog.UnavailableException e) {
            throw new ApiException(ErrorReason.LOG_UNAVAILABLE, e.getMessage() + "; retry", 1);
        }
        return Reply.json(201, LogReceipts.json(server.receipt(a, entry)));
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
        List<LogSequencer.Appended> appended;
        try {
            appended = sequencer.appendAllAndWait(entries, call.caller().id());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorReason.INVALID_ENTRY, e.getMessage());
        } catch (TransparencyLog.UnavailableException e) {
            throw new ApiException(ErrorReason.LOG_UNAVAILABLE, e.getMessage() + "; retry", 1);
        }
        ObjectNode o = Json.object();
        ArrayNode receipts = o.putArray("entries");
        for (int i = 0; i < entries.size(); i++) {
            receipts.add(LogReceipts.json(server.receipt(appended.get(i), entries.get(i))));
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
        if (dev.carapace.crypto.PayloadTypes.OWNER_LINK_CONSENT.equals(env.payloadType())) {
            // A logged consent makes the agent count as that owner for reputation: only the owner's signed link
            // request (POST /v1/owners/{id}/agents) logs one, never the agent alone.
            throw new ApiException(ErrorReason.RESERVED_PAYLOAD_TYPE, what + ": owner-link consents are logged by"
                    + " the owner's link request, not appended");
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
        byte[] tile = server.tile(t)
                .orElseThrow(() -> ApiException.notFound("the log does not cover " + t.encode() + " yet"));
        // A tile's content never changes (a partial tile of width W is final for W), so caches may keep it.
        return new Reply(200, tile, "application/octet-stream",
                Map.of("Cache-Control", "public, max-age=31536000, immutable"));
    }

    private Reply witnessed(Call call) throws Exception {
        long k = call.pathNumber("k", Long.MAX_VALUE, ErrorReason.INVALID_K);
        if (k < 1 || k > log.witnesses().size()) {
            throw ApiException.notFound("this log has " + log.witnesses().size() + " witnesses");
        }
        return note(server.witnessedCheckpoint((int) k)
                .orElseThrow(() -> ApiException.notFound("no checkpoint has " + k + " cosignatures yet")));
    }

    private Reply cosignatures(Call call) throws Exception {
        String note;
        try {
            note = Utf8.decode(call.body());
        } catch (CryptoException e) {
            throw new ApiException(ErrorReason.MALFORMED_NOTE, e.getMessage());
        }
        return switch (log.addCosignatures(note)) {
            case TransparencyLog.Cosigned c -> {
                ObjectNode o = Json.object();
                ArrayNode names = o.putArray("accepted");
                c.witnesses().forEach(names::add);
                yield Reply.ok(o);
            }
            case TransparencyLog.NotACheckpoint n -> throw new ApiException(ErrorReason.INVALID_CHECKPOINT, "not a checkpoint of this log: " + n.reason());
            case TransparencyLog.NoKnownWitness n -> throw new ApiException(ErrorReason.UNKNOWN_WITNESS, "the note carries no valid cosignature by a witness this log is configured to accept");
            case TransparencyLog.UnknownCheckpoint u -> throw new ApiException(ErrorReason.UNKNOWN_CHECKPOINT, "this log never issued a checkpoint of size " + u.size() + " with that root");
        };
    }

    private static Reply note(String note) {
        return new Reply(200, note.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", Map.of());
    }

    private Reply entry(Call call) throws Exception {
        long index = call.pathNumber("index", Long.MAX_VALUE, ErrorReason.INVALID_INDEX);
        byte[] e = server.entry(index).orElseThrow(() -> ApiException.notFound("no entry " + index));
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
            o.set("proof", LogReceipts.hashes(server.inclusionProof(index, size)));
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
            o.set("proof", LogReceipts.hashes(server.consistencyProof(from, to)));
            return Reply.ok(o);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound(e.getMessage());
        }
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
