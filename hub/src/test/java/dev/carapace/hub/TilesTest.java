package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.tlog.Checkpoint;
import dev.carapace.tlog.Merkle;
import dev.carapace.tlog.NoteVerifier;
import dev.carapace.tlog.TilePath;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The C2SP tiles read API: hash tiles and entry bundles rebuild the signed root, and are served as immutable. */
class TilesTest {
    @TempDir
    Path dir;

    @Test
    void tilesAndBundlesRebuildTheCheckpointRoot() throws Exception {
        try (HubFixture f = new HubFixture(Backend.SQLITE, dir)) {
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                pending.add(f.hub.log().sequencer().append(("entry " + i).getBytes(), "test"));
            }
            for (var p : pending) {
                p.get();
            }
            NoteVerifier vkey = NoteVerifier.parse(f.client.wellKnown().get("log").get("vkey").asString());
            Checkpoint cp = Checkpoint.open(f.client.checkpoint(), vkey);
            assertThat(cp.size()).isEqualTo(600);

            // Level 0: two full tiles and a partial one of width 600 - 512 = 88.
            List<byte[]> leaves = new ArrayList<>();
            for (TilePath t : List.of(new TilePath(false, 0, 0, 256), new TilePath(false, 0, 1, 256),
                    new TilePath(false, 0, 2, 88))) {
                HttpResponse<byte[]> r = get(f, t);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Cache-Control").orElse("")).contains("immutable");
                assertThat(r.body()).hasSize(32 * t.width());
                for (int i = 0; i < t.width(); i++) {
                    leaves.add(Arrays.copyOfRange(r.body(), i * 32, i * 32 + 32));
                }
            }
            assertThat(Merkle.root(leaves)).isEqualTo(cp.root());

            // Level 1: a partial tile of width 2, each hash the root of a full level-0 tile.
            byte[] level1 = get(f, new TilePath(false, 1, 0, 2)).body();
            assertThat(Arrays.copyOfRange(level1, 0, 32)).isEqualTo(Merkle.root(leaves.subList(0, 256)));
            assertThat(Arrays.copyOfRange(level1, 32, 64)).isEqualTo(Merkle.root(leaves.subList(256, 512)));

            // Entry bundles hash to the level-0 tiles.
            ByteBuffer bundle = ByteBuffer.wrap(get(f, new TilePath(true, 0, 2, 88)).body());
            for (int i = 0; i < 88; i++) {
                byte[] e = new byte[bundle.getShort() & 0xffff];
                bundle.get(e);
                assertThat(Merkle.leafHash(e)).isEqualTo(leaves.get(512 + i));
            }
            assertThat(bundle.hasRemaining()).isFalse();

            // What the log does not cover yet, and malformed paths, are 404s.
            assertThat(get(f, new TilePath(false, 0, 2, 256)).statusCode()).isEqualTo(404);
            assertThat(f.client.sendRaw("GET", "/tile/0/2", new byte[0], null, Map.of()).statusCode())
                    .isEqualTo(404);
            assertThat(f.client.sendRaw("GET", "/checkpoint", new byte[0], null, Map.of()).headers()
                    .firstValue("Cache-Control").orElse("")).isEqualTo("no-store");
        }
    }

    private static HttpResponse<byte[]> get(HubFixture f, TilePath t) throws Exception {
        return f.client.sendRaw("GET", "/" + t.encode(), new byte[0], null, Map.of());
    }
}
