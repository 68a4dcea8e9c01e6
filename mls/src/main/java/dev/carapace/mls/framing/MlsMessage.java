package dev.carapace.mls.framing;

import dev.carapace.mls.codec.DecodeException;
import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import dev.carapace.mls.message.GroupInfo;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.Welcome;
import dev.carapace.mls.schedule.GroupContext;

/** MLSMessage (RFC 9420 §6): version, wire format and exactly one body, matching the wire format. */
public record MlsMessage(int wireFormat, PublicMessage publicMessage, PrivateMessage privateMessage,
        Welcome welcome, GroupInfo groupInfo, KeyPackage keyPackage) {
    public static final int PUBLIC_MESSAGE = 1;
    public static final int PRIVATE_MESSAGE = 2;
    public static final int WELCOME = 3;
    public static final int GROUP_INFO = 4;
    public static final int KEY_PACKAGE = 5;

    public static MlsMessage of(PublicMessage m) {
        return new MlsMessage(PUBLIC_MESSAGE, m, null, null, null, null);
    }

    public static MlsMessage of(PrivateMessage m) {
        return new MlsMessage(PRIVATE_MESSAGE, null, m, null, null, null);
    }

    public static MlsMessage of(Welcome m) {
        return new MlsMessage(WELCOME, null, null, m, null, null);
    }

    public static MlsMessage of(GroupInfo m) {
        return new MlsMessage(GROUP_INFO, null, null, null, m, null);
    }

    public static MlsMessage of(KeyPackage m) {
        return new MlsMessage(KEY_PACKAGE, null, null, null, null, m);
    }

    /** Decodes a complete message; trailing bytes are an error. */
    public static MlsMessage decode(byte[] bytes) {
        TlsReader r = new TlsReader(bytes);
        MlsMessage m = decode(r);
        r.requireFullyConsumed();
        return m;
    }

    public static MlsMessage decode(TlsReader r) {
        int version = r.readUint16();
        if (version != GroupContext.MLS10) {
            throw new DecodeException("unsupported protocol version " + version);
        }
        int wf = r.readUint16();
        return switch (wf) {
            case PUBLIC_MESSAGE -> of(PublicMessage.decode(r));
            case PRIVATE_MESSAGE -> of(PrivateMessage.decode(r));
            case WELCOME -> of(Welcome.decode(r));
            case GROUP_INFO -> of(GroupInfo.decode(r));
            case KEY_PACKAGE -> of(KeyPackage.decode(r));
            default -> throw new DecodeException("unknown wire format " + wf);
        };
    }

    public byte[] encode() {
        TlsWriter w = new TlsWriter().writeUint16(GroupContext.MLS10).writeUint16(wireFormat);
        switch (wireFormat) {
            case PUBLIC_MESSAGE -> publicMessage.encode(w);
            case PRIVATE_MESSAGE -> privateMessage.encode(w);
            case WELCOME -> welcome.encode(w);
            case GROUP_INFO -> groupInfo.encode(w);
            default -> keyPackage.encode(w);
        }
        return w.toByteArray();
    }
}
