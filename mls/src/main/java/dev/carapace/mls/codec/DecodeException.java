package dev.carapace.mls.codec;

/** Input bytes are not a valid encoding (truncated, over a size limit, non-minimal varint, trailing data...). */
public final class DecodeException extends dev.carapace.mls.MlsException {
    private static final long serialVersionUID = 1L;

    public DecodeException(String message) {
        super(message);
    }
}
