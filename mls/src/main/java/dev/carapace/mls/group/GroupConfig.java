package dev.carapace.mls.group;

import dev.carapace.mls.framing.MlsMessage;
import dev.carapace.mls.schedule.RatchetLimits;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;

/**
 * Per-group settings.
 *
 * @param credentials       the application's credential check
 * @param pastEpochs        how many past epochs are kept to decrypt late application messages (0 = none)
 * @param ratchetLimits     bounds on secret-tree ratchets
 * @param encryptHandshake  send proposals and commits as PrivateMessage rather than PublicMessage
 * @param externalPsks      external PSKs by hex-encoded psk_id
 * @param clock             for KeyPackage lifetimes; null disables the lifetime check (conformance vectors)
 */
public record GroupConfig(CredentialValidator credentials, int pastEpochs, RatchetLimits ratchetLimits,
        boolean encryptHandshake, Map<String, byte[]> externalPsks, Clock clock) {

    public GroupConfig {
        if (credentials == null) {
            throw new IllegalArgumentException("a credential validator is required");
        }
        if (pastEpochs < 0) {
            throw new IllegalArgumentException("pastEpochs must be >= 0");
        }
        externalPsks = Map.copyOf(externalPsks);
    }

    public static GroupConfig defaults(CredentialValidator credentials) {
        return new GroupConfig(credentials, 2, RatchetLimits.DEFAULT, true, Map.of(), Clock.systemUTC());
    }

    public GroupConfig withExternalPsks(Map<String, byte[]> psks) {
        return new GroupConfig(credentials, pastEpochs, ratchetLimits, encryptHandshake, psks, clock);
    }

    byte[] externalPsk(byte[] id) {
        return externalPsks.get(HexFormat.of().formatHex(id));
    }

    /** The wire format of this member's proposals and commits. */
    int handshakeWireFormat() {
        return encryptHandshake ? MlsMessage.PRIVATE_MESSAGE : MlsMessage.PUBLIC_MESSAGE;
    }
}
