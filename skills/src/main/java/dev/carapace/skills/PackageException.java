package dev.carapace.skills;

/** A package was rejected. {@link #entry()} names the entry or field at fault, {@link #reason()} the typed cause. */
public final class PackageException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a package was rejected. */
    public enum Reason {
        TOO_LARGE, TOO_MANY_ENTRIES, ENTRY_TOO_LARGE, TOTAL_TOO_LARGE, MALFORMED, UNSUPPORTED,
        BAD_NAME, SYMLINK, DUPLICATE, BOMB, CRC_MISMATCH, ENCRYPTED, MISSING_MANIFEST, IO
    }

    private final Reason reason;
    private final String entry;

    public PackageException(Reason reason, String entry, String message) {
        super(reason + " [" + entry + "]: " + message);
        this.reason = reason;
        this.entry = entry;
    }

    public Reason reason() { return reason; }

    public String entry() { return entry; }
}
