package dev.carapace.client;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Cosigner;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.ProofException;
import dev.carapace.tlog.TlogProof;
import java.io.IOException;
import java.util.List;

/**
 * A client's view of one hub's transparency log. It pins the log's key on first contact, keeps the last checkpoint it
 * verified on disk, checks every newer checkpoint for consistency with it, and checks inclusion of every entry it is
 * asked to rely on. A checkpoint that contradicts the trusted one is a {@link SplitViewException}; nothing is stored
 * then, so the evidence stays the same on every later run.
 */
public final class LogVerifier {
    private final HubClient hub;
    private final TrustedLogs store;
    private final NoteVerifier key;
    private final List<Cosigner> witnesses;
    private final int quorum;

    private LogVerifier(HubClient hub, TrustedLogs store, NoteVerifier key, List<Cosigner> witnesses, int quorum) {
        this.hub = hub;
        this.store = store;
        this.key = key;
        this.witnesses = List.copyOf(witnesses);
        this.quorum = quorum;
    }

    /**
     * Connects to the hub's log: its key comes from {@code /.well-known/carapace} the first time and must be the same
     * ever after. Checkpoints must carry cosignatures from at least {@code quorum} of {@code witnesses}.
     */
    public static LogVerifier connect(HubClient hub, TrustedLogs store, List<Cosigner> witnesses, int quorum)
            throws IOException, HubException, LogVerificationException {
        if (quorum < 0 || quorum > witnesses.size()) {
            throw new IllegalArgumentException("a quorum of " + quorum + " out of " + witnesses.size() + " witnesses");
        }
        var log = hub.wellKnown().path("log");
        NoteVerifier announced;
        try {
            announced = NoteVerifier.parse(log.path("vkey").asString(""));
        } catch (CryptoException e) {
            throw new LogVerificationException("the hub publishes no usable log key: " + e.getMessage());
        }
        if (!announced.name().equals(log.path("origin").asString(""))) {
            throw new LogVerificationException("the hub's log key is not named after its origin");
        }
        TrustedLogs.State state = store.load(announced.name());
        if (state == null) {
            store.save(new TrustedLogs.State(announced.name(), announced, null, null));
        } else if (!state.key().encode().equals(announced.encode())) {
            throw new LogVerificationException("the hub now announces another key for log " + announced.name()
                    + ": pinned " + state.key().encode() + ", announced " + announced.encode());
        }
        return new LogVerifier(hub, store, announced, witnesses, quorum);
    }

    public NoteVerifier key() {
        return key;
    }

    /** A checkpoint that passed verification, with the signed note it came in. */
    public record Verified(String note, Checkpoint checkpoint) {}

    /** The last verified checkpoint, or null before the first. */
    public Checkpoint trusted() throws IOException, LogVerificationException {
        String note = trustedNote();
        return note == null ? null : openTrusted(note);
    }

    /** The note of the last verified checkpoint, or null before the first. */
    public String trustedNote() throws IOException {
        TrustedLogs.State s = store.load(key.name());
        return s == null ? null : s.checkpoint();
    }

    /**
     * Fetches the newest checkpoint the witness policy accepts, verifies it against the trusted one and returns it.
     * It may be older than the trusted checkpoint (witnesses lag), never inconsistent with it.
     */
    public Verified update() throws IOException, HubException, LogVerificationException {
        String note = quorum == 0 ? hub.checkpoint() : hub.witnessedCheckpoint(quorum);
        accept(note);
        return new Verified(note, open(note));
    }

    /**
     * Verifies a checkpoint note (its signature, the witness quorum, and consistency with the trusted checkpoint) and
     * trusts it if it is newer. Returns the newest trusted checkpoint, which an older note does not replace.
     */
    public synchronized Checkpoint accept(String note) throws IOException, HubException, LogVerificationException {
        Checkpoint cp = open(note);
        TrustedLogs.State state = store.load(key.name());
        String trustedNote = state == null ? null : state.checkpoint();
        if (trustedNote == null) {
            save(state, note); // trust on first use: the first checkpoint can only be checked by its signatures
            return cp;
        }
        Checkpoint trusted = openTrusted(trustedNote);
        if (cp.size() == trusted.size()) {
            if (!Bytes.constantTimeEquals(cp.root(), trusted.root())) {
                throw new SplitViewException("two checkpoints of size " + cp.size() + " with different roots",
                        trustedNote, note);
            }
            if (!note.equals(trustedNote)) {
                save(state, note); // the same checkpoint, perhaps with more cosignatures
            }
            return trusted;
        }
        Checkpoint older = cp.size() < trusted.size() ? cp : trusted;
        Checkpoint newer = cp.size() < trusted.size() ? trusted : cp;
        if (older.size() > 0) {
            List<byte[]> proof = hub.consistencyProof(older.size(), newer.size());
            try {
                Merkle.verifyConsistency(older.size(), newer.size(), older.root(), newer.root(), proof);
            } catch (ProofException e) {
                throw new SplitViewException("the checkpoint of size " + cp.size() + " is not consistent with the"
                        + " trusted one of size " + trusted.size() + " (" + e.getMessage() + ")", trustedNote, note);
            }
        }
        if (newer == cp) {
            save(state, note);
        }
        return newer;
    }

    private void save(TrustedLogs.State state, String note) throws IOException {
        store.save(new TrustedLogs.State(key.name(), key, note, state == null ? null : state.frontier()));
    }

    /** A stored note was verified when it was stored, perhaps under another witness policy: check its signature. */
    private Checkpoint openTrusted(String note) throws LogVerificationException {
        try {
            return Checkpoint.open(note, key);
        } catch (CryptoException e) {
            throw new LogVerificationException("the stored checkpoint of " + key.name() + " is damaged: "
                    + e.getMessage());
        }
    }

    private Checkpoint open(String note) throws LogVerificationException {
        try {
            return Cosigner.requireQuorum(note, key, witnesses, quorum);
        } catch (CryptoException e) {
            throw new LogVerificationException("checkpoint of " + key.name() + " rejected: " + e.getMessage());
        }
    }

    /** Checks that {@code entry} is the log's entry at {@code index}, under a checkpoint the policy accepts. */
    public Checkpoint verifyInclusion(long index, byte[] entry)
            throws IOException, HubException, LogVerificationException {
        Checkpoint cp = covering(index).checkpoint();
        try {
            Merkle.verifyInclusion(index, cp.size(), Merkle.leafHash(entry), hub.inclusionProof(index, cp.size()),
                    cp.root());
        } catch (ProofException e) {
            throw new LogVerificationException("entry " + index + " is not in the log: " + e.getMessage());
        }
        return cp;
    }

    /**
     * Builds an offline proof (C2SP tlog-proof, with the entry in its extra line) that the entry at {@code index} is
     * in the log, under a checkpoint the policy accepts, verified before it is returned.
     */
    public TlogProof proof(long index) throws IOException, HubException, LogVerificationException {
        Verified v = covering(index);
        byte[] entry = hub.logEntry(index);
        TlogProof p = new TlogProof(entry, index, hub.inclusionProof(index, v.checkpoint().size()), v.note());
        try {
            p.verifyCarriedEntry(key, witnesses, quorum);
        } catch (CryptoException | ProofException e) {
            throw new LogVerificationException("the hub's proof of entry " + index + " does not verify: "
                    + e.getMessage());
        }
        return p;
    }

    private Verified covering(long index) throws IOException, HubException, LogVerificationException {
        String note = trustedNote();
        if (note != null && quorum == 0) {
            Checkpoint cp = openTrusted(note);
            if (index >= 0 && index < cp.size()) {
                return new Verified(note, cp);
            }
        }
        Verified v = update();
        if (index < 0 || index >= v.checkpoint().size()) {
            throw new LogVerificationException("entry " + index + " is not covered by the log's checkpoint of size "
                    + v.checkpoint().size() + (quorum > 0 ? " that " + quorum + " witnesses cosigned" : ""));
        }
        return v;
    }
}
