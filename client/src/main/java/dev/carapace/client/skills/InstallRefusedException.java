package dev.carapace.client.skills;

/** An install or update that the install rules refuse ({@link InstallPlan}); the message is safe to show. */
public final class InstallRefusedException extends Exception {

    public enum Reason {
        /** Bytes for a name@version other than the ones seen before: an attack. */
        PIN_MISMATCH,
        /** An older version than the one installed. */
        DOWNGRADE,
        /** An update of a skill that is not installed. */
        NOT_INSTALLED,
        /** An update of a skill installed from an unsigned file. */
        UNSIGNED_INSTALLED
    }

    private final Reason reason;

    public InstallRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
