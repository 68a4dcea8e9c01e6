package dev.carapace.mls.vectors;

import static dev.carapace.mls.vectors.FramingVectors.decodeAll;
import static dev.carapace.mls.vectors.FramingVectors.hex;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.crypto.CipherSuite;
import dev.carapace.mls.framing.AuthenticatedContent;
import dev.carapace.mls.framing.FramedContent;
import dev.carapace.mls.message.LeafNode;
import dev.carapace.mls.message.PreSharedKeyId;
import dev.carapace.mls.schedule.PskSecret;
import dev.carapace.mls.schedule.TranscriptHash;
import dev.carapace.mls.tree.RatchetTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Checks for the psk_secret, transcript-hashes, tree-validation and deserialization families. */
final class ExtraVectors {
    private ExtraVectors() {
    }

    private static CipherSuite suite(JsonNode c) {
        return CipherSuite.byId(c.get("cipher_suite").asInt()).orElse(null);
    }

    /** External PSK ids from psk_id and psk_nonce; the chained psk_secret must match (all-zero when empty). */
    static boolean pskSecret(JsonNode c) {
        CipherSuite s = suite(c);
        if (s == null) {
            return false;
        }
        List<PreSharedKeyId> ids = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (JsonNode p : c.get("psks")) {
            ids.add(PreSharedKeyId.external(hex(p, "psk_id"), hex(p, "psk_nonce")));
            values.add(hex(p, "psk"));
        }
        byte[] got = PskSecret.compute(s, ids, values);
        return Arrays.equals(got != null ? got : new byte[s.hashLength()], hex(c, "psk_secret"));
    }

    /** The content is a commit whose tag verifies over the new confirmed hash; both hashes must match. */
    static boolean transcriptHashes(JsonNode c) {
        CipherSuite s = suite(c);
        if (s == null) {
            return false;
        }
        AuthenticatedContent ac = decodeAll(hex(c, "authenticated_content"), AuthenticatedContent::decode);
        if (ac.content().contentType() != FramedContent.COMMIT) {
            return false;
        }
        byte[] confirmed = TranscriptHash.confirmed(s, hex(c, "interim_transcript_hash_before"),
                ac.confirmedTranscriptHashInput());
        byte[] interim = TranscriptHash.interim(s, confirmed, ac.confirmationTag());
        return s.verifyMac(hex(c, "confirmation_key"), hex(c, "confirmed_transcript_hash_after"),
                ac.confirmationTag())
                && Arrays.equals(confirmed, hex(c, "confirmed_transcript_hash_after"))
                && Arrays.equals(interim, hex(c, "interim_transcript_hash_after"));
    }

    /** Per-node resolutions and tree hashes, parent hashes as when joining, and every leaf signature. */
    static boolean treeValidation(JsonNode c) {
        CipherSuite s = suite(c);
        if (s == null) {
            return false;
        }
        RatchetTree tree = RatchetTree.decode(hex(c, "tree"));
        byte[] groupId = hex(c, "group_id");
        JsonNode res = c.get("resolutions");
        JsonNode hashes = c.get("tree_hashes");
        if (res.size() != tree.nodeCount() || hashes.size() != tree.nodeCount()) {
            return false;
        }
        for (int i = 0; i < tree.nodeCount(); i++) {
            List<Integer> want = new ArrayList<>();
            res.get(i).forEach(n -> want.add(n.asInt()));
            if (!tree.resolution(i, Set.of()).equals(want)
                    || !Arrays.equals(tree.treeHash(s, i), hexAt(hashes, i))) {
                return false;
            }
        }
        if (!tree.verifyParentHashes(s)) {
            return false;
        }
        for (int leaf : tree.occupiedLeaves()) {
            LeafNode l = tree.leaf(leaf);
            if (!l.verifySignature(s, groupId, leaf)) {
                return false;
            }
        }
        return true;
    }

    /** A variable-length vector header decodes to the stated length, consuming the whole header. */
    static boolean deserialization(JsonNode c) {
        TlsReader r = new TlsReader(hex(c, "vlbytes_header"));
        long len = r.readVarint();
        return !r.hasRemaining() && len == c.get("length").asLong();
    }

    private static byte[] hexAt(JsonNode arr, int i) {
        return java.util.HexFormat.of().parseHex(arr.get(i).asString());
    }
}
