package dev.carapace.skills;

/** A skill manifest is malformed or violates a rule; the message names the field and is safe to show to a user. */
public final class ManifestException extends Exception {
    public ManifestException(String message) {
        super(message);
    }
}
