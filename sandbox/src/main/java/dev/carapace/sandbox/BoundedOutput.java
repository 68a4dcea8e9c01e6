package dev.carapace.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** stdout or stderr of a skill: kept up to a byte budget; the write that would pass it stops the run. */
final class BoundedOutput {
    private final String name;
    private final long limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final OutputStream tee;

    BoundedOutput(String name, long limit, OutputStream tee) {
        this.name = name;
        this.limit = limit;
        this.tee = tee;
    }

    synchronized void write(byte[] b, AuditLog audit) {
        if (kept.size() + (long) b.length > limit) {
            audit.record("limit", java.util.Map.of("limit", "outputBytes", "value", limit, "stream", name));
            throw new ViolationException(SandboxViolation.limit("outputBytes", limit));
        }
        kept.writeBytes(b);
        if (tee != null) {
            try {
                tee.write(b);
                tee.flush();
            } catch (IOException e) {
                // The copy to the caller's stream is best effort; the kept bytes are the record.
            }
        }
    }

    synchronized byte[] bytes() {
        return kept.toByteArray();
    }
}
