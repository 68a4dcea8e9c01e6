package dev.carapace.client;

import dev.carapace.crypto.Bytes;
import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Frontier;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.TilePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a log and verifies every step: each new checkpoint is checked for consistency (by {@link LogVerifier}),
 * then every new entry is downloaded from the entry tiles and hashed here, and the tree they form must have exactly the
 * checkpoint's root. The monitor's frontier is saved with the trusted checkpoint, so it resumes where it stopped.
 */
public final class LogMonitor {
    /** An entry the monitor verified. */
    public record Entry(long index, byte[] bytes) {}

    /** What one step verified: the checkpoint reached and the entries new since the previous step. */
    public record Step(Checkpoint checkpoint, List<Entry> entries) {}

    private final HubClient hub;
    private final LogVerifier verifier;
    private final TrustedLogs store;

    public LogMonitor(HubClient hub, LogVerifier verifier, TrustedLogs store) {
        this.hub = hub;
        this.verifier = verifier;
        this.store = store;
    }

    public Step step() throws IOException, HubException, LogVerificationException {
        Checkpoint cp = verifier.update().checkpoint();
        TrustedLogs.State state = store.load(verifier.key().name());
        Frontier frontier = state.frontier() == null ? new Frontier() : state.frontier();
        if (frontier.size() > cp.size()) {
            // The policy's checkpoint lags what was verified before (witnesses are behind); it was checked consistent.
            return new Step(cp, List.of());
        }
        List<Entry> fresh = new ArrayList<>();
        read(frontier, cp, fresh);
        TrustedLogs.State now = store.load(verifier.key().name());
        store.save(new TrustedLogs.State(now.origin(), now.key(), now.checkpoint(), frontier));
        return new Step(cp, fresh);
    }

    /**
     * Every entry from the first, downloaded and hashed here: the whole log up to the checkpoint that
     * {@link LogVerifier#update} verifies now (consistent with every checkpoint trusted before), which must hold at
     * least {@code atLeast} entries. Leaves the monitor's own frontier as it is.
     */
    public Step all(long atLeast) throws IOException, HubException, LogVerificationException {
        Checkpoint cp = verifier.update().checkpoint();
        if (cp.size() < atLeast) {
            throw new LogVerificationException("the log's verified checkpoint holds " + cp.size()
                    + " entries, fewer than the " + atLeast + " the hub claims to have used");
        }
        List<Entry> out = new ArrayList<>();
        read(new Frontier(), cp, out);
        return new Step(cp, out);
    }

    /** Downloads the entries from the frontier's size to the checkpoint's and checks they hash to its root. */
    private void read(Frontier frontier, Checkpoint cp, List<Entry> out)
            throws IOException, HubException, LogVerificationException {
        while (frontier.size() < cp.size()) {
            long start = frontier.size();
            long tile = start / TilePath.FULL_WIDTH;
            int width = (int) Math.min(TilePath.FULL_WIDTH, cp.size() - tile * TilePath.FULL_WIDTH);
            List<byte[]> bundle = entries(new TilePath(true, 0, tile, width).encode().substring("tile/".length()),
                    width);
            for (int i = (int) (start - tile * TilePath.FULL_WIDTH); i < width; i++) {
                frontier.append(Merkle.leafHash(bundle.get(i)));
                out.add(new Entry(tile * TilePath.FULL_WIDTH + i, bundle.get(i)));
            }
        }
        if (!Bytes.constantTimeEquals(frontier.root(), cp.root())) {
            throw new LogVerificationException("the entries the log serves do not hash to its checkpoint of size "
                    + cp.size() + " (computed root " + Bytes.b64(frontier.root()) + ")");
        }
    }

    /** Splits an entry bundle: each entry is a big-endian uint16 length and that many bytes. */
    private List<byte[]> entries(String path, int count) throws IOException, HubException, LogVerificationException {
        byte[] b = hub.tile(path);
        List<byte[]> out = new ArrayList<>(count);
        int at = 0;
        while (at < b.length) {
            if (at + 2 > b.length) {
                throw new LogVerificationException("entry bundle " + path + " is truncated");
            }
            int len = ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
            if (at + 2 + len > b.length) {
                throw new LogVerificationException("entry bundle " + path + " is truncated");
            }
            out.add(java.util.Arrays.copyOfRange(b, at + 2, at + 2 + len));
            at += 2 + len;
        }
        if (out.size() != count) {
            throw new LogVerificationException("entry bundle " + path + " holds " + out.size() + " entries, not "
                    + count);
        }
        return out;
    }
}
