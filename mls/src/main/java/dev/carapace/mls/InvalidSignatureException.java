package dev.carapace.mls;

/** A signature over MLS content did not verify. */
public final class InvalidSignatureException extends MlsException {
    private static final long serialVersionUID = 1L;

    public InvalidSignatureException(String message) {
        super(message);
    }
}
