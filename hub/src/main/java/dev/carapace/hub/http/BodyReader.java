package dev.carapace.hub.http;

import dev.carapace.hub.limits.HubLimits;
import dev.carapace.protocol.ErrorReason;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request body without holding a thread while bytes are awaited (Jetty calls back on demand), bounded in size
 * and in time: the whole body must arrive within {@link #deadlineMs} of the headers, which amounts to a minimum
 * average rate. A client that sends a byte every few seconds therefore ties up neither a request thread nor a
 * database connection, and is answered 408 when its deadline passes.
 */
final class BodyReader implements Runnable {
    /** Any body gets this long, however small. */
    static final long GRACE_MS = HubLimits.BODY_GRACE_MS;
    /** On top of the grace, the body must arrive at this average rate (bytes per second). */
    static final long MIN_BYTES_PER_SECOND = HubLimits.BODY_MIN_BYTES_PER_SECOND;

    /** What became of the body: the bytes, or the error to answer with. */
    interface Done {
        void body(byte[] body, ApiException error, boolean clientFault);
    }

    private final Request request;
    private final int maxBytes;
    private final long drainLimit;
    private final Done done;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private long drained;
    private Scheduler.Task deadline;

    private BodyReader(Request request, int maxBytes, long drainLimit, Done done) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.drainLimit = drainLimit;
        this.done = done;
    }

    /** The time a body of this declared length (or of the largest allowed, if undeclared) may take to arrive. */
    static long deadlineMs(long declaredLength, int maxBytes) {
        long expected = declaredLength < 0 || declaredLength > maxBytes ? maxBytes : declaredLength;
        return GRACE_MS + expected * 1000 / MIN_BYTES_PER_SECOND;
    }

    /**
     * Starts reading; {@code done} is called exactly once, possibly on this thread before this returns, possibly later
     * on a Jetty thread that must not block (the caller hands blocking work to an executor).
     */
    static void read(Request request, int maxBytes, long drainLimit, Done done) {
        BodyReader r = new BodyReader(request, maxBytes, drainLimit, done);
        long declared = request.getLength();
        if (declared > maxBytes + drainLimit) {
            // Too large to be worth reading at all: answer now; the connection closes.
            r.finish(null, tooLarge(maxBytes), true);
            return;
        }
        Scheduler scheduler = request.getComponents().getScheduler();
        r.deadline = scheduler.schedule(() -> r.finish(null, new ApiException(ErrorReason.BODY_TOO_SLOW,
                "the request body did not arrive in time"), true), deadlineMs(declared, maxBytes),
                TimeUnit.MILLISECONDS);
        r.run();
    }

    private static ApiException tooLarge(int maxBytes) {
        return new ApiException(ErrorReason.BODY_TOO_LARGE, "bodies are limited to " + maxBytes + " bytes");
    }

    @Override
    public void run() {
        while (!finished.get()) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                // The client went away, reset, or sent a malformed body: its fault, not the hub's.
                finish(null, new ApiException(ErrorReason.BODY_ABORTED, "the request body could not be read"), true);
                return;
            }
            int n = chunk.remaining();
            if (out.size() + (long) n <= maxBytes) {
                var buf = chunk.getByteBuffer();
                byte[] b = new byte[n];
                buf.get(b);
                out.write(b, 0, n);
            } else {
                // Drain a moderately oversized body so the client, still sending, reads the 413 instead of a reset.
                drained += n;
            }
            boolean last = chunk.isLast();
            chunk.release();
            if (drained > drainLimit) {
                finish(null, tooLarge(maxBytes), true);
                return;
            }
            if (last) {
                finish(drained > 0 ? null : out.toByteArray(), drained > 0 ? tooLarge(maxBytes) : null, false);
                return;
            }
        }
    }

    private void finish(byte[] body, ApiException error, boolean clientFault) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        if (deadline != null) {
            deadline.cancel();
        }
        done.body(body, error, clientFault);
    }
}
