package dev.carapace.sandbox;

/**
 * Why a run was stopped or refused: a limit it exceeded, a capability it lacked, a module the admission check
 * rejected, or a trap in the module. {@code message} is one line for a user, e.g. "limit wallMs=2000 exceeded".
 */
public record SandboxViolation(Kind kind, String subject, String message) {
    public enum Kind { ADMISSION, LIMIT, CAPABILITY, TRAP }

    public static SandboxViolation limit(String name, long value) {
        return new SandboxViolation(Kind.LIMIT, name, "limit " + name + "=" + value + " exceeded");
    }

    public static SandboxViolation admission(String why) {
        return new SandboxViolation(Kind.ADMISSION, "admission", "module rejected: " + why);
    }

    public static SandboxViolation capability(String capability, String why) {
        return new SandboxViolation(Kind.CAPABILITY, capability, "capability " + capability + " denied: " + why);
    }

    public static SandboxViolation trap(String why) {
        return new SandboxViolation(Kind.TRAP, "trap", "trap: " + why);
    }

    @Override
    public String toString() {
        return message;
    }
}
