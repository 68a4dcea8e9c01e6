package dev.carapace.mls.crypto;

/** A cryptographic operation failed (AEAD/HPKE authentication failure, malformed key). */
public final class CryptoFailureException extends dev.carapace.mls.MlsException {
    private static final long serialVersionUID = 1L;

    public CryptoFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
