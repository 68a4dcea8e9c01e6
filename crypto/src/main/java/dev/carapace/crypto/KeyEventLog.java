package dev.carapace.crypto;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A verified key event log: the identity document of an agent or owner. Instances exist only after every event has
 * been checked, so holding one means the history is sound: no fork, no gap, every signature valid, every revealed key
 * matching its commitment, no key used twice.
 */
public final class KeyEventLog {
    /** Events a history may hold; bounds the work a hostile document can cause. */
    public static final int MAX_EVENTS = 10_000;

    private final AgentId id;
    private final List<KeyEvent> events;

    private KeyEventLog(AgentId id, List<KeyEvent> events) {
        this.id = id;
        this.events = List.copyOf(events);
    }

    /** Starts a new identity with {@code first} as its signing key and a commitment to {@code next}. */
    public static KeyEventLog incept(String kind, Ed25519KeyPair first, Ed25519PublicKey next, long timestampMillis) {
        if (first.publicKey().equals(next)) {
            throw new IllegalArgumentException("the next key must differ from the current key");
        }
        KeyEvent icp = KeyEvent.sign(KeyEvent.Type.INCEPTION, 0, null, null, first, next.digest(), kind,
                timestampMillis);
        return new KeyEventLog(AgentId.fromInceptionDigest(icp.digest()), List.of(icp));
    }

    /**
     * Rotates to {@code newCurrent}, which must be the key the last event committed to, and commits to
     * {@code newNext}. The rotation is signed by the new key only, so this also recovers an identity whose current
     * key was lost.
     */
    public KeyEventLog rotate(Ed25519KeyPair newCurrent, Ed25519PublicKey newNext, long timestampMillis)
            throws KelException {
        KeyEvent last = lastEvent();
        KeyEvent rot = KeyEvent.sign(KeyEvent.Type.ROTATION, last.seq() + 1, id.toString(), last.digest(), newCurrent,
                newNext.digest(), null, Math.max(timestampMillis, last.timestampMillis()));
        if (events.size() >= MAX_EVENTS) {
            throw new KelException(KelException.Reason.MALFORMED, "too many events");
        }
        // This history is verified already: only the new event needs checking against it.
        Set<Ed25519PublicKey> used = new HashSet<>();
        events.forEach(e -> used.add(e.key()));
        requireFollows(id, events.size(), last, rot, used);
        List<KeyEvent> next = new ArrayList<>(events);
        next.add(rot);
        return new KeyEventLog(id, next);
    }

    /** Verifies a whole history and returns it as a log. */
    public static KeyEventLog verify(List<KeyEvent> events) throws KelException {
        if (events.isEmpty()) {
            throw new KelException(KelException.Reason.MALFORMED, "a key event log has at least one event");
        }
        if (events.size() > MAX_EVENTS) {
            throw new KelException(KelException.Reason.MALFORMED, "too many events");
        }
        KeyEvent icp = events.get(0);
        if (icp.type() != KeyEvent.Type.INCEPTION) {
            throw new KelException(KelException.Reason.MALFORMED, "the first event must be an inception");
        }
        if (icp.seq() != 0) {
            throw new KelException(KelException.Reason.GAP, "the inception event must have seq 0");
        }
        if (!icp.signatureValid()) {
            throw new KelException(KelException.Reason.BAD_SIGNATURE, "bad signature on event 0");
        }
        AgentId id = AgentId.fromInceptionDigest(icp.digest());
        Set<Ed25519PublicKey> used = new HashSet<>();
        used.add(icp.key());
        KeyEvent prev = icp;
        for (int i = 1; i < events.size(); i++) {
            KeyEvent e = events.get(i);
            requireFollows(id, i, prev, e, used);
            prev = e;
        }
        return new KeyEventLog(id, events);
    }

    /** Checks that {@code e}, at position {@code i}, validly follows {@code prev}; adds its key to {@code used}. */
    private static void requireFollows(AgentId id, int i, KeyEvent prev, KeyEvent e, Set<Ed25519PublicKey> used)
            throws KelException {
        if (e.type() != KeyEvent.Type.ROTATION) {
            throw new KelException(KelException.Reason.FORK, "event " + i + " is a second inception");
        }
        if (e.seq() <= prev.seq()) {
            throw new KelException(KelException.Reason.FORK, "two events claim seq " + e.seq());
        }
        if (e.seq() != prev.seq() + 1) {
            throw new KelException(KelException.Reason.GAP, "event seq " + e.seq() + " follows " + prev.seq());
        }
        if (!id.toString().equals(e.id())) {
            throw new KelException(KelException.Reason.WRONG_ID, "event " + i + " belongs to another identity");
        }
        if (!Bytes.constantTimeEquals(prev.digest(), e.previous())) {
            throw new KelException(KelException.Reason.BAD_PREVIOUS, "event " + i + " does not follow event "
                    + (i - 1));
        }
        if (!Bytes.constantTimeEquals(prev.nextKeyDigest(), e.key().digest())) {
            throw new KelException(KelException.Reason.NEXT_KEY_MISMATCH,
                    "event " + i + " reveals a key that event " + (i - 1) + " did not commit to");
        }
        if (!used.add(e.key())) {
            throw new KelException(KelException.Reason.KEY_REUSED, "event " + i + " reuses an earlier key");
        }
        if (e.timestampMillis() < prev.timestampMillis()) {
            throw new KelException(KelException.Reason.TIME_REVERSED, "event " + i + " is dated before its "
                    + "predecessor");
        }
        if (!e.signatureValid()) {
            throw new KelException(KelException.Reason.BAD_SIGNATURE, "bad signature on event " + i);
        }
    }

    /**
     * Checks that {@code newer} continues this log: same identity, and every event of this log is in it unchanged.
     * A different event at a seq already known is a fork (a stolen or duplicated key is being used).
     */
    public void requireExtendedBy(KeyEventLog newer) throws KelException {
        if (!id.equals(newer.id)) {
            throw new KelException(KelException.Reason.WRONG_ID, "a different identity");
        }
        if (newer.events.size() < events.size()) {
            throw new KelException(KelException.Reason.FORK, "the new history is shorter than the known one");
        }
        for (int i = 0; i < events.size(); i++) {
            if (!Bytes.constantTimeEquals(events.get(i).digest(), newer.events.get(i).digest())) {
                throw new KelException(KelException.Reason.FORK, "histories differ at seq " + i);
            }
        }
    }

    public AgentId id() {
        return id;
    }

    public String kind() {
        return events.get(0).kind();
    }

    public List<KeyEvent> events() {
        return events;
    }

    public KeyEvent lastEvent() {
        return events.get(events.size() - 1);
    }

    /** The key that signs for this identity now. */
    public Ed25519PublicKey currentKey() {
        return lastEvent().key();
    }

    public long currentSeq() {
        return lastEvent().seq();
    }

    /** The key established by event {@code seq}, or null if there is none. */
    public Ed25519PublicKey keyAt(long seq) {
        return seq >= 0 && seq < events.size() ? events.get((int) seq).key() : null;
    }

    /** DSSE and HTTP signature key id for the current key: {@code <agent id>#<seq>}. */
    public String currentKeyId() {
        return keyId(id, currentSeq());
    }

    public static String keyId(AgentId id, long seq) {
        return new KeyId(id, seq).toString();
    }

    public ObjectNode toJson() {
        ObjectNode doc = Json.object();
        doc.put("id", id.toString());
        ArrayNode arr = doc.putArray("events");
        for (KeyEvent e : events) {
            arr.add(e.toJson());
        }
        return doc;
    }

    /** Parses and verifies an identity document; if it states an id, the id must match the history. */
    public static KeyEventLog fromJson(JsonNode doc) throws KelException {
        if (doc == null || !doc.isObject()) {
            throw new KelException(KelException.Reason.MALFORMED, "an identity document is a JSON object");
        }
        try {
            Json.onlyFields(doc, "identity document", "id", "events");
        } catch (CryptoException e) {
            throw new KelException(KelException.Reason.MALFORMED, e.getMessage());
        }
        JsonNode arr = doc.get("events");
        if (arr == null || !arr.isArray()) {
            throw new KelException(KelException.Reason.MALFORMED, "identity document lacks 'events'");
        }
        if (arr.size() > MAX_EVENTS) {
            throw new KelException(KelException.Reason.MALFORMED, "too many events");
        }
        List<KeyEvent> events = new ArrayList<>(arr.size());
        for (JsonNode n : arr) {
            events.add(KeyEvent.fromJson(n));
        }
        KeyEventLog log = verify(events);
        JsonNode stated = doc.get("id");
        if (stated != null && !log.id.toString().equals(stated.asString())) {
            throw new KelException(KelException.Reason.WRONG_ID, "the stated id does not match the history");
        }
        return log;
    }

    public static KeyEventLog fromJson(byte[] json) throws KelException {
        try {
            return fromJson(Json.parse(json));
        } catch (KelException e) {
            throw e;
        } catch (CryptoException e) {
            throw new KelException(KelException.Reason.MALFORMED, e.getMessage());
        }
    }
}
