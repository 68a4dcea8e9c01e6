package dev.carapace.mls;

/** A message claims a ratchet generation beyond the allowed forward jump; rejected before any key derivation. */
public final class GenerationTooFarException extends MlsException {
    private static final long serialVersionUID = 1L;

    public GenerationTooFarException(String message) {
        super(message);
    }
}
