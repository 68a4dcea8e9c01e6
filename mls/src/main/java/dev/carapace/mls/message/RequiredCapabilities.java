package dev.carapace.mls.message;

import dev.carapace.mls.codec.TlsReader;
import dev.carapace.mls.codec.TlsWriter;
import java.util.List;

/**
 * The required_capabilities GroupContext extension (RFC 9420 §11.1): extension, proposal and credential types
 * every member's leaf must list in its capabilities.
 */
public record RequiredCapabilities(List<Integer> extensionTypes, List<Integer> proposalTypes,
        List<Integer> credentialTypes) {

    public RequiredCapabilities {
        extensionTypes = List.copyOf(extensionTypes);
        proposalTypes = List.copyOf(proposalTypes);
        credentialTypes = List.copyOf(credentialTypes);
    }

    public static RequiredCapabilities decode(byte[] extensionData) {
        TlsReader r = new TlsReader(extensionData);
        RequiredCapabilities rc = new RequiredCapabilities(r.readUint16List(), r.readUint16List(),
                r.readUint16List());
        r.requireFullyConsumed();
        return rc;
    }

    public byte[] encode() {
        return new TlsWriter().writeUint16List(extensionTypes).writeUint16List(proposalTypes)
                .writeUint16List(credentialTypes).toByteArray();
    }

    public Extension toExtension() {
        return new Extension(Extension.REQUIRED_CAPABILITIES, encode());
    }

    /** The required_capabilities in a GroupContext extension list, or null if there is none. */
    public static RequiredCapabilities in(List<Extension> extensions) {
        Extension e = Extension.find(extensions, Extension.REQUIRED_CAPABILITIES);
        return e == null ? null : decode(e.data());
    }

    /** The first requirement {@code caps} does not meet, as a message, or null when all are met. */
    public String unmetBy(Capabilities caps) {
        for (int t : extensionTypes) {
            if (!caps.supportsExtension(t)) {
                return "extension type " + t;
            }
        }
        for (int t : proposalTypes) {
            if (!caps.supportsProposal(t)) {
                return "proposal type " + t;
            }
        }
        for (int t : credentialTypes) {
            if (!caps.supportsCredential(t)) {
                return "credential type " + t;
            }
        }
        return null;
    }
}
