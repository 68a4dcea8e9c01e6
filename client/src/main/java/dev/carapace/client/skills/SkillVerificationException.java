package dev.carapace.client.skills;

/** A skill failed one step of verification; the step says which (and so how far installation got). */
public final class SkillVerificationException extends Exception {
    /** The steps, in the order an installer checks them. */
    public enum Step { SIGNATURE, PACKAGE, LOG, REVOCATION, NAMESPACE, PIN }

    private final Step step;

    public SkillVerificationException(Step step, String message) {
        super(message, null, false, false);
        this.step = step;
    }

    public Step step() {
        return step;
    }
}
