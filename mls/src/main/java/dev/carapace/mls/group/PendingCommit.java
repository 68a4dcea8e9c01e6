package dev.carapace.mls.group;

import dev.carapace.mls.framing.MlsMessage;

/**
 * A commit this member created, with the {@link StagedCommit} of the epoch it leads to. The group stays in the old
 * epoch until {@link Group#merge(PendingCommit)} is called (typically once the delivery service accepted the
 * commit), so a rejected commit can simply be dropped.
 */
public final class PendingCommit {
    private final MlsMessage commit;
    private final MlsMessage welcome;
    final StagedCommit staged;

    PendingCommit(MlsMessage commit, MlsMessage welcome, StagedCommit staged) {
        this.commit = commit;
        this.welcome = welcome;
        this.staged = staged;
    }

    public MlsMessage commit() {
        return commit;
    }

    /** The Welcome for members added by this commit, or null if none were added. */
    public MlsMessage welcome() {
        return welcome;
    }
}
