package dev.carapace.hub.attack;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEvent;
import dev.carapace.crypto.KeyEventLog;
import java.util.List;

/** A valid key event log of any length, as an attacker with fresh keys builds one, with its current key. */
public record LongHistory(List<KeyEvent> events, Ed25519KeyPair currentKey) {

    public static LongHistory of(String kind, int length) throws Exception {
        long ts = System.currentTimeMillis();
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Ed25519KeyPair next = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept(kind, key, next.publicKey(), ts);
        for (int i = 1; i < length; i++) {
            key = next;
            next = Ed25519KeyPair.generate();
            log = log.rotate(key, next.publicKey(), ts);
        }
        return new LongHistory(log.events(), key);
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
