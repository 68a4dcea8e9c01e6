package dev.carapace.mls;

/** A message is well-formed but breaks an RFC 9420 validity rule (bad proposal list, tag, parent hash...). */
public final class ProtocolViolationException extends MlsException {
    private static final long serialVersionUID = 1L;

    public ProtocolViolationException(String message) {
        super(message);
    }
}
