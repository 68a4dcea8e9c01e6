package dev.carapace.tlog;

import dev.carapace.crypto.Bytes;
import dev.carapace.crypto.CryptoException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A C2SP tlog-proof: an offline-verifiable proof that an entry is in a log, made of the entry's index, its RFC 9162
 * inclusion proof and the (possibly cosigned) checkpoint it leads to. Carapace puts the entry itself in the
 * {@code extra} line, so one file proves "this statement is in the log"; the extra data is unauthenticated until the
 * inclusion proof binds its hash to a signed checkpoint.
 */
public record TlogProof(byte[] extra, long index, List<byte[]> proof, String checkpoint) {
    public static final String HEADER = "c2sp.org/tlog-proof@v1";
    /** An inclusion proof in a tree of at most 2^63 leaves has at most 63 hashes. */
    public static final int MAX_PROOF_HASHES = 63;

    public TlogProof {
        extra = extra == null ? null : extra.clone();
        proof = List.copyOf(proof);
    }

    public String encode() {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        if (extra != null) {
            sb.append("extra ").append(Bytes.b64(extra)).append('\n');
        }
        sb.append("index ").append(index).append('\n');
        proof.forEach(h -> sb.append(Bytes.b64(h)).append('\n'));
        return sb.append('\n').append(checkpoint).toString();
    }

    /** Parses strictly: canonical numbers and base64, 32-byte hashes, a checkpoint that parses as a signed note. */
    public static TlogProof parse(String text) throws CryptoException {
        if (text.getBytes(StandardCharsets.UTF_8).length > 2 * SignedNote.MAX_NOTE_BYTES + 100_000) {
            throw new CryptoException("proof is too large");
        }
        int blank = text.indexOf("\n\n");
        if (blank < 0) {
            throw new CryptoException("a tlog-proof has an empty line before its checkpoint");
        }
        String[] head = text.substring(0, blank).split("\n", -1);
        String checkpoint = text.substring(blank + 2);
        int i = 0;
        if (!head[i++].equals(HEADER)) {
            throw new CryptoException("not a tlog-proof: the first line must be " + HEADER);
        }
        byte[] extra = null;
        if (i < head.length && head[i].startsWith("extra ")) {
            String b64 = head[i++].substring(6);
            extra = Bytes.fromB64(b64);
            if (!Bytes.b64(extra).equals(b64)) {
                throw new CryptoException("extra data is not canonical base64");
            }
        }
        if (i >= head.length || !head[i].matches("index (0|[1-9][0-9]{0,18})")) {
            throw new CryptoException("expected 'index N' with N a decimal without leading zeros");
        }
        long index;
        try {
            index = Long.parseLong(head[i++].substring(6));
        } catch (NumberFormatException e) {
            throw new CryptoException("index out of range");
        }
        List<byte[]> proof = new ArrayList<>();
        for (; i < head.length; i++) {
            byte[] h = Bytes.fromB64(head[i]);
            if (h.length != Merkle.HASH_LENGTH || !Bytes.b64(h).equals(head[i])) {
                throw new CryptoException("proof line " + (proof.size() + 1) + " is not a 32-byte hash in base64");
            }
            if (proof.size() == MAX_PROOF_HASHES) {
                throw new CryptoException("an inclusion proof has at most " + MAX_PROOF_HASHES + " hashes");
            }
            proof.add(h);
        }
        SignedNote.parse(checkpoint);
        return new TlogProof(extra, index, proof, checkpoint);
    }

    /**
     * Verifies with no network access: the checkpoint is signed by the log, cosigned by at least {@code k} of
     * {@code witnesses}, and the inclusion proof binds {@code leafHash} at {@link #index()} to its root.
     */
    public Checkpoint verify(byte[] leafHash, NoteVerifier log, List<Cosigner> witnesses, int k)
            throws CryptoException, ProofException {
        Checkpoint cp = Cosigner.requireQuorum(checkpoint, log, witnesses, k);
        Merkle.verifyInclusion(index, cp.size(), leafHash, proof, cp.root());
        return cp;
    }

    /** Verifies a proof of the entry carried in {@link #extra()}; returns that entry. */
    public byte[] verifyCarriedEntry(NoteVerifier log, List<Cosigner> witnesses, int k)
            throws CryptoException, ProofException {
        if (extra == null) {
            throw new CryptoException("the proof carries no entry; give the entry to verify against");
        }
        verify(Merkle.leafHash(extra), log, witnesses, k);
        return extra.clone();
    }
}
