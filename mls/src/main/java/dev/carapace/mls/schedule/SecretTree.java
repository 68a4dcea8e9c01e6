package dev.carapace.mls.schedule;

import dev.carapace.mls.GenerationTooFarException;
import dev.carapace.mls.KeyUnavailableException;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.tree.TreeMath;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The secret tree of one epoch (RFC 9420 §9) with per-leaf handshake and application hash ratchets.
 *
 * <p>Forward secrecy: a node secret is deleted once its children are derived, a ratchet secret once the next
 * one is derived, and a message key once it is handed out. Single-writer: not thread-safe.
 */
public final class SecretTree {
    /** Which of a leaf's two ratchets. */
    public enum RatchetType {
        HANDSHAKE("handshake"), APPLICATION("application");

        private final String label;

        RatchetType(String label) {
            this.label = label;
        }
    }

    /** An AEAD key and nonce for one generation. */
    public record KeyAndNonce(long generation, byte[] key, byte[] nonce) {
    }

    private static final byte[] LEFT = "left".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RIGHT = "right".getBytes(StandardCharsets.US_ASCII);

    private final CipherSuite suite;
    private final long leafCount;
    private final RatchetLimits limits;
    private final Map<Integer, byte[]> nodeSecrets = new HashMap<>();
    private final Map<Long, HashRatchet> ratchets = new HashMap<>();

    public SecretTree(CipherSuite suite, byte[] encryptionSecret, long leafCount, RatchetLimits limits) {
        this.suite = suite;
        this.leafCount = leafCount;
        this.limits = limits;
        nodeSecrets.put((int) TreeMath.root(leafCount), encryptionSecret.clone());
    }

    /**
     * An independent copy in the same state (node secrets, ratchets, retained keys): consuming keys in one leaves
     * the other as it was. Used to decrypt a message whose effect may still be discarded.
     */
    public SecretTree copy() {
        SecretTree t = new SecretTree(suite, new byte[0], leafCount, limits);
        t.nodeSecrets.clear();
        nodeSecrets.forEach((node, secret) -> t.nodeSecrets.put(node, secret.clone()));
        ratchets.forEach((key, r) -> {
            HashRatchet c = t.new HashRatchet(r.secret.clone());
            c.nextGeneration = r.nextGeneration;
            r.skipped.forEach((g, k) -> c.skipped.put(g, new KeyAndNonce(k.generation(), k.key().clone(),
                    k.nonce().clone())));
            t.ratchets.put(key, c);
        });
        return t;
    }

    public long leafCount() {
        return leafCount;
    }

    /** Receiver side: key for {@code generation} of a sender's ratchet; each key can be obtained once. */
    public KeyAndNonce keyForGeneration(int leaf, RatchetType type, long generation) {
        return ratchet(leaf, type).keyFor(generation);
    }

    /**
     * Puts back a key handed out by {@link #keyForGeneration} whose message then failed AEAD authentication, so
     * a forged or corrupted message cannot burn the key of the genuine one.
     */
    public void restoreKey(int leaf, RatchetType type, KeyAndNonce key) {
        HashRatchet r = ratchet(leaf, type);
        if (key.generation() < r.nextGeneration) {
            r.skipped.put(key.generation(), key);
        }
    }

    /** Sender side: key for the next generation of our own ratchet; deleted from the tree as it is returned. */
    public KeyAndNonce nextSendKey(int leaf, RatchetType type) {
        HashRatchet r = ratchet(leaf, type);
        return r.keyFor(r.nextGeneration);
    }

    private HashRatchet ratchet(int leaf, RatchetType type) {
        if (leaf < 0 || leaf >= leafCount) {
            throw new IllegalArgumentException("leaf " + leaf + " outside tree of " + leafCount);
        }
        long key = ((long) leaf << 1) | type.ordinal();
        HashRatchet r = ratchets.get(key);
        if (r == null) {
            byte[] leafSecret = leafSecret(leaf);
            // Derive both ratchets from the leaf secret at once so the leaf secret itself can be erased.
            ratchets.put(((long) leaf << 1) | RatchetType.HANDSHAKE.ordinal(), new HashRatchet(
                    suite.expandWithLabel(leafSecret, RatchetType.HANDSHAKE.label, new byte[0], suite.hashLength())));
            ratchets.put(((long) leaf << 1) | RatchetType.APPLICATION.ordinal(), new HashRatchet(
                    suite.expandWithLabel(leafSecret, RatchetType.APPLICATION.label, new byte[0],
                            suite.hashLength())));
            Arrays.fill(leafSecret, (byte) 0);
            r = ratchets.get(key);
        }
        return r;
    }

    /** Walks down from the deepest stored ancestor, deriving and erasing node secrets on the way. */
    private byte[] leafSecret(int leaf) {
        int target = TreeMath.leafToNode(leaf);
        int node = (int) TreeMath.root(leafCount);
        while (node != target) {
            byte[] secret = nodeSecrets.remove(node);
            int left = TreeMath.left(node).orElseThrow();
            int right = TreeMath.right(node).orElseThrow();
            if (secret != null) {
                nodeSecrets.put(left, suite.expandWithLabel(secret, "tree", LEFT, suite.hashLength()));
                nodeSecrets.put(right, suite.expandWithLabel(secret, "tree", RIGHT,
                        suite.hashLength()));
                Arrays.fill(secret, (byte) 0);
            }
            node = target < node ? left : right;
        }
        byte[] s = nodeSecrets.remove(target);
        if (s == null) {
            throw new KeyUnavailableException("leaf secret " + leaf + " already consumed");
        }
        return s;
    }

    private final class HashRatchet {
        private byte[] secret;
        private long nextGeneration;
        // Keys skipped over by a forward jump, retained for late messages; insertion order = generation order.
        private final LinkedHashMap<Long, KeyAndNonce> skipped = new LinkedHashMap<>();

        HashRatchet(byte[] secret) {
            this.secret = secret;
        }

        KeyAndNonce keyFor(long generation) {
            if (generation < 0 || generation > 0xffffffffL) {
                throw new IllegalArgumentException("generation out of uint32 range");
            }
            if (generation < nextGeneration) {
                KeyAndNonce k = skipped.remove(generation);
                if (k == null) {
                    throw new KeyUnavailableException("key for generation " + generation
                            + " already used or outside the out-of-order window");
                }
                return k;
            }
            // Bound checked before deriving anything.
            if (generation - nextGeneration > limits.maxForwardJump()) {
                throw new GenerationTooFarException("generation " + generation + " is more than "
                        + limits.maxForwardJump() + " ahead of " + nextGeneration);
            }
            while (nextGeneration < generation) {
                KeyAndNonce k = current();
                advance();
                if (limits.outOfOrderWindow() > 0) {
                    skipped.put(k.generation(), k);
                    while (skipped.size() > limits.outOfOrderWindow()) {
                        skipped.remove(skipped.keySet().iterator().next());
                    }
                }
            }
            KeyAndNonce k = current();
            advance();
            return k;
        }

        private KeyAndNonce current() {
            return new KeyAndNonce(nextGeneration,
                    suite.deriveTreeSecret(secret, "key", nextGeneration, suite.aeadKeyLength()),
                    suite.deriveTreeSecret(secret, "nonce", nextGeneration, suite.aeadNonceLength()));
        }

        private void advance() {
            byte[] next = suite.deriveTreeSecret(secret, "secret", nextGeneration, suite.hashLength());
            Arrays.fill(secret, (byte) 0);
            secret = next;
            nextGeneration++;
        }
    }

    /**
     * Writes the remaining (not yet consumed) secrets, so a restored tree cannot re-derive keys already used:
     * stored node secrets, each ratchet's current secret and generation, and retained out-of-order keys.
     */
    public void encode(dev.carapace.mls.codec.TlsWriter w) {
        w.writeUint32(leafCount);
        w.writeList(new java.util.ArrayList<>(nodeSecrets.entrySet()), (ww, e) -> ww.writeUint32(e.getKey())
                .writeVarBytes(e.getValue()));
        w.writeList(new java.util.ArrayList<>(ratchets.entrySet()), (ww, e) -> {
            HashRatchet r = e.getValue();
            ww.writeUint64(e.getKey()).writeVarBytes(r.secret).writeUint32(r.nextGeneration);
            ww.writeList(new java.util.ArrayList<>(r.skipped.values()), (w3, k) -> w3.writeUint32(k.generation())
                    .writeVarBytes(k.key()).writeVarBytes(k.nonce()));
        });
    }

    public static SecretTree decode(CipherSuite suite, dev.carapace.mls.codec.TlsReader r, RatchetLimits limits) {
        SecretTree t = new SecretTree(suite, new byte[0], r.readUint32(), limits);
        t.nodeSecrets.clear();
        r.readList(rr -> {
            t.nodeSecrets.put((int) rr.readUint32(), rr.readVarBytes());
            return Boolean.TRUE;
        });
        r.readList(rr -> {
            long key = rr.readUint64();
            HashRatchet h = t.new HashRatchet(rr.readVarBytes());
            h.nextGeneration = rr.readUint32();
            rr.readList(r3 -> {
                KeyAndNonce k = new KeyAndNonce(r3.readUint32(), r3.readVarBytes(), r3.readVarBytes());
                h.skipped.put(k.generation(), k);
                return Boolean.TRUE;
            });
            t.ratchets.put(key, h);
            return Boolean.TRUE;
        });
        return t;
    }

    /** sender_data_key / sender_data_nonce (RFC 9420 §6.3.2), sampled from the first Nh ciphertext bytes. */
    public static KeyAndNonce senderDataKey(CipherSuite suite, byte[] senderDataSecret, byte[] ciphertext) {
        byte[] sample = Arrays.copyOf(ciphertext, Math.min(ciphertext.length, suite.hashLength()));
        return new KeyAndNonce(0,
                suite.expandWithLabel(senderDataSecret, "key", sample, suite.aeadKeyLength()),
                suite.expandWithLabel(senderDataSecret, "nonce", sample, suite.aeadNonceLength()));
    }
}
