package dev.carapace.mls.schedule;

/**
 * Bounds on a receiver's hash ratchet.
 *
 * @param maxForwardJump   largest allowed distance between the next expected generation and a message's
 *                         generation; checked before any key is derived so a hostile generation cannot burn CPU
 * @param outOfOrderWindow how many skipped-over keys are retained for late messages (oldest evicted first)
 */
public record RatchetLimits(int maxForwardJump, int outOfOrderWindow) {
    public static final RatchetLimits DEFAULT = new RatchetLimits(1000, 1000);

    public RatchetLimits {
        if (maxForwardJump < 0 || outOfOrderWindow < 0) {
            throw new IllegalArgumentException("limits must be >= 0");
        }
    }
}
