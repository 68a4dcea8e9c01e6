package dev.carapace.tasks;

import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.KeyEventLog;

/** An identity with its current key, for the tests. */
record Parties(KeyEventLog log, Ed25519KeyPair key) {
    static Parties agent() {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        return new Parties(KeyEventLog.incept("agent", key, Ed25519KeyPair.generate().publicKey(), 1_000), key);
    }

    String id() {
        return log.id().toString();
    }
}
