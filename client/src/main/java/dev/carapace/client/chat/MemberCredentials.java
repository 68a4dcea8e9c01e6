package dev.carapace.client.chat;

import dev.carapace.client.HubException;
import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Ed25519KeyPair;
import dev.carapace.crypto.InstallationCertificate;
import dev.carapace.crypto.InstallationCredential;
import dev.carapace.crypto.KeyEventLog;
import dev.carapace.mls.MlsException;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.LeafNode;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Credentials in the groups: this installation's own (an installation certificate for its MLS signature key, issued
 * by the agent's current identity key) and the check of everyone else's against their key event logs, fetched from
 * the hub and verified, then cached.
 */
final class MemberCredentials {
    private final KeyEventLog identity;
    private final Ed25519KeyPair identityKey;
    private final Installation installation;
    private final MessagingClient hub;
    private final Map<String, KeyEventLog> knownIdentities = new ConcurrentHashMap<>();

    MemberCredentials(KeyEventLog identity, Ed25519KeyPair identityKey, Installation installation,
                      MessagingClient hub) {
        this.identity = identity;
        this.identityKey = identityKey;
        this.installation = installation;
        this.hub = hub;
        knownIdentities.put(identity.id().toString(), identity);
    }

    /** This installation's credential, certified by the agent's current key. */
    Credential own() {
        return Credential.basic(InstallationCertificate.issue(identity, identityKey, installation.id,
                ChatClient.SUITE.signaturePublicKey(installation.signatureKey)));
    }

    /**
     * The CredentialValidator of the groups: a leaf's basic credential must hold an installation certificate for
     * exactly this leaf's signature key, signed by a key the named agent's verified key event log (from the hub)
     * established. A rotated-out key still counts here, so a member's rotation does not make the group's earlier
     * commits, Welcomes and GroupInfos unreadable to members who process them later; what enters the group anew
     * (an invitee's KeyPackage) needs the current key ({@link #validateNewBinding}), and a rotated member
     * re-certifies its leaves ({@link ChatClient#recertify}).
     */
    void validate(Credential credential, byte[] signatureKey) {
        validate(credential, signatureKey, false);
    }

    /** A KeyPackage about to be added: its certificate must be by the agent's current key. */
    void validateNewBinding(Credential credential, byte[] signatureKey) {
        validate(credential, signatureKey, true);
    }

    private void validate(Credential credential, byte[] signatureKey, boolean currentKeyOnly) {
        InstallationCertificate.Claims claims;
        try {
            claims = InstallationCredential.peek(credential.type(), credential.identity());
        } catch (CryptoException e) {
            throw new MlsException("credential: " + e.getMessage());
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            KeyEventLog log = attempt == 0 ? knownIdentities.get(claims.agent()) : null;
            if (log == null) {
                try {
                    log = hub.identity(claims.agent());
                } catch (IOException | HubException e) {
                    throw new MlsException("cannot fetch the identity of " + claims.agent() + ": " + e.getMessage());
                }
                knownIdentities.put(claims.agent(), log);
            }
            try {
                InstallationCredential.verify(credential.type(), credential.identity(), signatureKey, log,
                        currentKeyOnly ? InstallationCredential.SignedBy.CURRENT_KEY
                                : InstallationCredential.SignedBy.LOGGED_KEY);
                return;
            } catch (CryptoException e) {
                if (attempt == 1) {
                    throw new MlsException("credential of " + claims.agent() + " is not certified by its "
                            + (currentKeyOnly ? "current key" : "key event log") + ": " + e.getMessage());
                }
                // Perhaps the identity rotated since we cached it: fetch once more.
            }
        }
    }

    /** Who a leaf's certificate names (not verified here: the engine validated it when the leaf entered). */
    static InstallationCertificate.Claims claimsOf(LeafNode leaf) {
        try {
            return InstallationCertificate.peek(leaf.credential().identity());
        } catch (CryptoException e) {
            throw new MlsException("credential: " + e.getMessage());
        }
    }

    /** {@code agent/installation}: how the hub routes, and how leavers are named. */
    static String key(InstallationCertificate.Claims c) {
        return c.agent() + "/" + c.installation();
    }
}
