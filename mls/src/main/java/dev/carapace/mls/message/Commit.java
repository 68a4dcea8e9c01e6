package dev.carapace.mls.message;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/** Commit (RFC 9420 §12.4): proposals inline or by reference, and an optional UpdatePath. */
public record Commit(List<ProposalOrRef> proposals, UpdatePath path) {

    /** Exactly one of {@code proposal} and {@code reference} is set. */
    public record ProposalOrRef(Proposal proposal, byte[] reference) {
        static ProposalOrRef decode(TlsReader r) {
            int type = r.readUint8();
            return switch (type) {
                case 1 -> new ProposalOrRef(Proposal.decode(r), null);
                case 2 -> new ProposalOrRef(null, r.readVarBytes());
                default -> throw new DecodeException("invalid ProposalOrRef type " + type);
            };
        }

        void encode(TlsWriter w) {
            if (proposal != null) {
                w.writeUint8(1);
                proposal.encode(w);
            } else {
                w.writeUint8(2).writeVarBytes(reference);
            }
        }
    }

    public static Commit decode(TlsReader r) {
        return new Commit(r.readList(ProposalOrRef::decode), r.readOptional(UpdatePath::decode));
    }

    public void encode(TlsWriter w) {
        w.writeList(proposals, (ww, p) -> p.encode(ww));
        w.writeOptional(path, (ww, p) -> p.encode(ww));
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }
}
