package dev.carapace.sandbox;

import java.util.List;
import java.util.Map;

/** The state of one run, shared by the host functions. Used only from the skill's thread (and the engine after). */
final class Session {
    /** A run that provokes this many audit records is stopped: denials must not become a disk-filling loop. */
    static final int MAX_AUDIT_RECORDS = 10_000;

    final Manifest manifest;
    final AuditLog audit;
    final List<String> args;
    final Map<String, String> secrets;
    final BoundedOutput stdout;
    final BoundedOutput stderr;
    final long deadlineNanos;
    int auditRecords;
    int httpRequests;

    Session(Manifest manifest, AuditLog audit, List<String> args, Map<String, String> secrets, BoundedOutput stdout,
            BoundedOutput stderr, long deadlineNanos) {
        this.manifest = manifest;
        this.audit = audit;
        this.args = List.copyOf(args);
        this.secrets = Map.copyOf(secrets);
        this.stdout = stdout;
        this.stderr = stderr;
        this.deadlineNanos = deadlineNanos;
    }

    void audit(String type, Map<String, ?> details) {
        if (++auditRecords > MAX_AUDIT_RECORDS) {
            audit.record("limit", Map.of("limit", "auditRecords", "value", MAX_AUDIT_RECORDS));
            throw new ViolationException(SandboxViolation.limit("auditRecords", MAX_AUDIT_RECORDS));
        }
        audit.record(type, details);
    }

    /** Milliseconds left of the wall budget, at least 1. */
    long remainingMillis() {
        return Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }
}
