package dev.carapace.mls;

/** A message is for a different group or an epoch this state cannot decrypt. */
public final class WrongEpochException extends MlsException {
    private static final long serialVersionUID = 1L;

    public WrongEpochException(String message) {
        super(message);
    }
}
