package dev.carapace.mls.group;

import dev.carapace.mls.message.Credential;

/**
 * Supplied by the application: decides whether a credential may speak for a signature key (RFC 9420 §5.3.1).
 * Called for every leaf that enters the tree (join, Add, Update, commit path). Throw to reject.
 */
@FunctionalInterface
public interface CredentialValidator {
    void validate(Credential credential, byte[] signatureKey);

    /** Accepts everything: only for tests and conformance vectors, never for production groups. */
    CredentialValidator ACCEPT_ALL = (c, k) -> {
    };
}
