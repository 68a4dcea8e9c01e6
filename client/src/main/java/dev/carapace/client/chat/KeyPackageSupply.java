package dev.carapace.client.chat;

import dev.carapace.client.HubException;
import dev.carapace.mls.group.KeyPackageBundle;
import dev.carapace.mls.message.Credential;
import dev.carapace.mls.message.KeyPackage;
import dev.carapace.mls.message.Welcome;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * This installation's KeyPackages: the hub's supply is topped up to {@value #SUPPLY} one-time ones plus a
 * last-resort one, and the private keys are kept ({@link Installation#bundles}) until a Welcome uses them.
 */
final class KeyPackageSupply {
    static final int SUPPLY = 10;
    static final Duration LIFETIME = Duration.ofDays(90);

    private final Installation installation;
    private final MemberCredentials credentials;
    private final MessagingClient hub;

    KeyPackageSupply(Installation installation, MemberCredentials credentials, MessagingClient hub) {
        this.installation = installation;
        this.credentials = credentials;
        this.hub = hub;
    }

    /** A fresh KeyPackage of this installation with this credential (not stored: for creating or rejoining). */
    KeyPackageBundle fresh(Credential credential) {
        return KeyPackageBundle.create(ChatClient.SUITE, credential, installation.signatureKey, LIFETIME,
                ChatClient.CAPABILITIES);
    }

    /**
     * Tops the hub's supply up to {@value #SUPPLY}, and uploads a last-resort KeyPackage if the hub has none. The
     * private keys are stored before the upload, so a crash in between leaves unused keys, never a KeyPackage nobody
     * can open. Returns how many were uploaded.
     */
    int publish() throws IOException, HubException {
        MessagingClient.Supply supply = hub.keyPackageSupply(installation.id);
        int missing = Math.max(0, SUPPLY - supply.available());
        boolean needLastResort = !supply.lastResort();
        if (missing == 0 && !needLastResort) {
            return 0;
        }
        Credential cred = credentials.own();
        List<KeyPackage> oneTime = new ArrayList<>();
        for (int i = 0; i < missing; i++) {
            KeyPackageBundle b = fresh(cred);
            installation.bundles.add(Installation.StoredBundle.of(b, false));
            oneTime.add(b.keyPackage());
        }
        KeyPackage lastResort = null;
        if (needLastResort) {
            KeyPackageBundle b = fresh(cred);
            // Only one last-resort bundle is valid at a time on the hub; older ones stay usable for Welcomes in flight.
            installation.bundles.add(Installation.StoredBundle.of(b, true));
            lastResort = b.keyPackage();
        }
        installation.save();
        hub.uploadKeyPackages(installation.id, oneTime, lastResort);
        return missing + (needLastResort ? 1 : 0);
    }

    /** The stored KeyPackage a Welcome is addressed to, or null. */
    Installation.StoredBundle addressedBy(Welcome w) {
        for (Installation.StoredBundle b : installation.bundles) {
            if (w.secrets().stream().anyMatch(s -> Arrays.equals(s.newMember(), b.ref()))) {
                return b;
            }
        }
        return null;
    }

    KeyPackageBundle open(Installation.StoredBundle b) {
        return b.bundle(installation.signatureKey);
    }

    /** A Welcome used it: a one-time KeyPackage's keys are deleted; a last-resort one stays. */
    void used(Installation.StoredBundle b) throws IOException {
        if (!b.lastResort()) {
            installation.bundles.remove(b);
            installation.save();
        }
    }
}
