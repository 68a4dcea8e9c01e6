package dev.carapace.mls;

/** Base of every typed failure the MLS engine reports; subclasses let callers tell causes apart. */
public class MlsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MlsException(String message) {
        super(message);
    }

    public MlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
