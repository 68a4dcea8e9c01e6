package dev.carapace.hub.attack;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEvent;
import dev.carapace.crypto.KeyEventLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a valid key event log of any length in linear time, as an attacker with fresh keys would (rotating through
 * {@link KeyEventLog#rotate} re-verifies the whole history at each step).
 */
public record LongHistory(List<KeyEvent> events, Ed25519KeyPair currentKey) {

    public static LongHistory of(String kind, int length) {
        long ts = System.currentTimeMillis();
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Ed25519KeyPair next = Ed25519KeyPair.generate();
        List<KeyEvent> events = new ArrayList<>(length);
        KeyEvent prev = sign(new KeyEvent(KeyEvent.Type.INCEPTION, 0, null, null, key.publicKey(),
                next.publicKey().digest(), kind, ts, new byte[0]), key);
        events.add(prev);
        String id = dev.carapace.crypto.AgentId.fromInceptionDigest(prev.digest()).toString();
        for (int i = 1; i < length; i++) {
            key = next;
            next = Ed25519KeyPair.generate();
            prev = sign(new KeyEvent(KeyEvent.Type.ROTATION, i, id, prev.digest(), key.publicKey(),
                    next.publicKey().digest(), null, ts, new byte[0]), key);
            events.add(prev);
        }
        return new LongHistory(events, key);
    }

    private static KeyEvent sign(KeyEvent unsigned, Ed25519KeyPair key) {
        byte[] sig = key.sign(unsigned.canonicalBody());
        return new KeyEvent(unsigned.type(), unsigned.seq(), unsigned.id(), unsigned.previous(), unsigned.key(),
                unsigned.nextKeyDigest(), unsigned.kind(), unsigned.timestampMillis(), sig);
    }

    /** The verified log (costs one full verification). */
    public KeyEventLog log() throws Exception {
        return KeyEventLog.verify(events);
    }

    /** The identity id, from the inception event alone. */
    public String id() {
        return dev.carapace.crypto.AgentId.fromInceptionDigest(events.get(0).digest()).toString();
    }

    /** The identity document with the last event's signature broken: only a full verification notices. */
    public tools.jackson.databind.node.ObjectNode documentWithBadLastSignature() {
        tools.jackson.databind.node.ObjectNode doc = dev.carapace.crypto.Json.object();
        doc.put("id", id());
        var arr = doc.putArray("events");
        for (int i = 0; i < events.size(); i++) {
            KeyEvent e = events.get(i);
            if (i == events.size() - 1) {
                byte[] sig = e.signature().clone();
                sig[0] ^= 1;
                e = new KeyEvent(e.type(), e.seq(), e.id(), e.previous(), e.key(), e.nextKeyDigest(), e.kind(),
                        e.timestampMillis(), sig);
            }
            arr.add(e.toJson());
        }
        return doc;
    }

    /** The identity document, unverified (for histories too long to be worth verifying in a test). */
    public tools.jackson.databind.node.ObjectNode document() {
        tools.jackson.databind.node.ObjectNode doc = dev.carapace.crypto.Json.object();
        doc.put("id", id());
        var arr = doc.putArray("events");
        events.forEach(e -> arr.add(e.toJson()));
        return doc;
    }

    public String currentKeyId() {
        return id() + "#" + (events.size() - 1);
    }
}
