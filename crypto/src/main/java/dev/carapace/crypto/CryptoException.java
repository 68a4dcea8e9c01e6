package dev.carapace.crypto;

/** A cryptographic check failed or input could not be decoded. The message is safe to show to a user. */
public class CryptoException extends Exception {
    public CryptoException(String message) {
        super(message);
    }

    public CryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
