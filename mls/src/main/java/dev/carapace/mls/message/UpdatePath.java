package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.crypto.CipherSuite.HpkeCiphertext;
import java.util.List;

/** UpdatePath (RFC 9420 §7.6): the committer's new leaf plus one node per filtered direct-path entry. */
public record UpdatePath(LeafNode leafNode, List<Node> nodes) {

    /** UpdatePathNode: the new public key and the path secret encrypted to each resolution member. */
    public record Node(byte[] encryptionKey, List<HpkeCiphertext> encryptedPathSecret) {
        static Node decode(TlsReader r) {
            return new Node(r.readVarBytes(), r.readList(HpkeCiphertextCodec::decode));
        }

        void encode(TlsWriter w) {
            w.writeVarBytes(encryptionKey).writeList(encryptedPathSecret, HpkeCiphertextCodec::encode);
        }
    }

    public static UpdatePath decode(TlsReader r) {
        return new UpdatePath(LeafNode.decode(r), r.readList(Node::decode));
    }

    public void encode(TlsWriter w) {
        leafNode.encode(w);
        w.writeList(nodes, (ww, n) -> n.encode(ww));
    }
}
