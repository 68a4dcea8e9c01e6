package dev.carapace.sandbox;

import dev.carapace.skills.Manifest;
import java.util.List;
import java.util.Map;

/** The state of one run, shared by the host functions. Used only from the skill's thread (and the engine after). */
final class Session {
    final Manifest manifest;
    final AuditLog audit;
    final List<String> args;
    final Map<String, String> secrets;
    final Map<String, String> env;
    final BoundedOutput stdout;
    final BoundedOutput stderr;
    /** End of the wall budget; set when the skill's thread starts. */
    volatile long deadlineNanos;
    int auditRecords;
    int httpRequests;
    long fsBytesWritten;
    boolean fsQuotaAudited;
    /** The connection a host call is blocked on, if any; the watchdog closes it when it stops the run. */
    volatile java.io.Closeable activeIo;

    Session(Manifest manifest, AuditLog audit, List<String> args, Map<String, String> secrets,
            Map<String, String> env, BoundedOutput stdout, BoundedOutput stderr, long deadlineNanos) {
        this.manifest = manifest;
        this.audit = audit;
        this.args = List.copyOf(args);
        this.secrets = Map.copyOf(secrets);
        this.env = env;
        this.stdout = stdout;
        this.stderr = stderr;
        this.deadlineNanos = deadlineNanos;
    }

    void audit(String type, Map<String, ?> details) {
        // A run that provokes more audit records is stopped: denials must not become a disk-filling loop.
        int max = manifest.limits().auditRecords();
        if (++auditRecords > max) {
            audit.record("limit", Map.of("limit", "auditRecords", "value", max));
            throw new ViolationException(SandboxViolation.limit("auditRecords", max));
        }
        audit.record(type, details);
    }

    boolean pastDeadline() {
        return System.nanoTime() - deadlineNanos > 0;
    }

    /** Closes the connection a host call is blocked on, so that a stopped skill's thread does not linger in I/O. */
    void abortIo() {
        java.io.Closeable c = activeIo;
        if (c != null) {
            try {
                c.close();
            } catch (java.io.IOException e) {
                // Closing is all that matters; the run is being stopped anyway.
            }
        }
    }

    /** Milliseconds left of the wall budget, at least 1. */
    long remainingMillis() {
        return Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }
}
