package dev.carapace.mls.message;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/** Proposal (RFC 9420 §12.1): one record per proposal type. */
public sealed interface Proposal {
    int ADD = 1;
    int UPDATE = 2;
    int REMOVE = 3;
    int PSK = 4;
    int REINIT = 5;
    int EXTERNAL_INIT = 6;
    int GROUP_CONTEXT_EXTENSIONS = 7;

    int type();

    void encodeBody(TlsWriter w);

    default void encode(TlsWriter w) {
        w.writeUint16(type());
        encodeBody(w);
    }

    default byte[] encode() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }

    record Add(KeyPackage keyPackage) implements Proposal {
        public int type() {
            return ADD;
        }

        public void encodeBody(TlsWriter w) {
            keyPackage.encode(w);
        }
    }

    record Update(LeafNode leafNode) implements Proposal {
        public int type() {
            return UPDATE;
        }

        public void encodeBody(TlsWriter w) {
            leafNode.encode(w);
        }
    }

    record Remove(long removed) implements Proposal {
        public int type() {
            return REMOVE;
        }

        public void encodeBody(TlsWriter w) {
            w.writeUint32(removed);
        }
    }

    record PreSharedKey(PreSharedKeyId psk) implements Proposal {
        public int type() {
            return PSK;
        }

        public void encodeBody(TlsWriter w) {
            psk.encode(w);
        }
    }

    record ReInit(byte[] groupId, int version, int cipherSuite, List<Extension> extensions) implements Proposal {
        public int type() {
            return REINIT;
        }

        public void encodeBody(TlsWriter w) {
            w.writeVarBytes(groupId).writeUint16(version).writeUint16(cipherSuite);
            Extension.encodeList(w, extensions);
        }
    }

    record ExternalInit(byte[] kemOutput) implements Proposal {
        public int type() {
            return EXTERNAL_INIT;
        }

        public void encodeBody(TlsWriter w) {
            w.writeVarBytes(kemOutput);
        }
    }

    record GroupContextExtensions(List<Extension> extensions) implements Proposal {
        public int type() {
            return GROUP_CONTEXT_EXTENSIONS;
        }

        public void encodeBody(TlsWriter w) {
            Extension.encodeList(w, extensions);
        }
    }

    static Proposal decode(TlsReader r) {
        return decodeBody(r.readUint16(), r);
    }

    static Proposal decodeBody(int type, TlsReader r) {
        return switch (type) {
            case ADD -> new Add(KeyPackage.decode(r));
            case UPDATE -> new Update(LeafNode.decode(r));
            case REMOVE -> new Remove(r.readUint32());
            case PSK -> new PreSharedKey(PreSharedKeyId.decode(r));
            case REINIT -> new ReInit(r.readVarBytes(), r.readUint16(), r.readUint16(), Extension.decodeList(r));
            case EXTERNAL_INIT -> new ExternalInit(r.readVarBytes());
            case GROUP_CONTEXT_EXTENSIONS -> new GroupContextExtensions(Extension.decodeList(r));
            default -> throw new DecodeException("unsupported proposal type " + type);
        };
    }
}
