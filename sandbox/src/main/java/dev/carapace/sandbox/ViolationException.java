package dev.carapace.sandbox;

/** Thrown inside the skill's thread (from host functions) to stop the run with a violation. */
final class ViolationException extends RuntimeException {
    final SandboxViolation violation;

    ViolationException(SandboxViolation violation) {
        super(violation.message(), null, false, false);
        this.violation = violation;
    }
}
