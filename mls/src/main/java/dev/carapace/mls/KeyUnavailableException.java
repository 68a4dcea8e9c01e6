package dev.carapace.mls;

/** The key for a ratchet generation was already used and deleted, or fell out of the out-of-order window. */
public final class KeyUnavailableException extends MlsException {
    private static final long serialVersionUID = 1L;

    public KeyUnavailableException(String message) {
        super(message);
    }
}
