package dev.carapace.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TilePathTest {
    @Test
    void specificationExamplesRoundTrip() {
        assertThat(new TilePath(false, 0, 1234067, 256).encode()).isEqualTo("tile/0/x001/x234/067");
        assertThat(new TilePath(false, 1, 5, 17).encode()).isEqualTo("tile/1/005.p/17");
        assertThat(new TilePath(true, 0, 0, 112).encode()).isEqualTo("tile/entries/000.p/112");
        assertThat(TilePath.parse("tile/0/x001/x234/067")).isEqualTo(new TilePath(false, 0, 1234067, 256));
        assertThat(TilePath.parse("tile/entries/x001/000.p/1")).isEqualTo(new TilePath(true, 0, 1000, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tile/0/1", "tile/00/000", "tile/64/000", "tile/0/x000", "tile/0/001/002",
        "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/07", "tile/0/x000/001", "tile/entries", "tiles/0/000",
        "tile/0/000/", "tile/-1/000"})
    void nonCanonicalPathsAreRefused(String path) {
        assertThatThrownBy(() -> TilePath.parse(path)).isInstanceOf(IllegalArgumentException.class);
    }
}
