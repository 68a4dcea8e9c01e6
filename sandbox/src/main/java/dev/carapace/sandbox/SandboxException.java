package dev.carapace.sandbox;

/** The sandbox could not be set up as asked (an undeclared grant, a missing folder, no CPU clock): nothing ran. */
public final class SandboxException extends Exception {
    public SandboxException(String message) {
        super(message);
    }
}
