package dev.carapace.skills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NameGuardTest {
    private static final List<String> EXISTING = List.of("acme/hello", "acme/weather-forecast", "tools/github-issues");

    @Test
    void validatesNames() {
        NameGuard.validate("acme/hello-world");
        for (String bad : new String[] {"hello", "a/b/c", "Acme/hello", "acme/he llo", "acme/-x", "acme/x--y", "acme/h", "acme/héllo"}) {
            assertThatThrownBy(() -> NameGuard.validate(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void detectsHomoglyphsAndDigits() {
        assertThat(NameGuard.confusables("acme/he11o", EXISTING)).extracting(NameGuard.Match::existing).containsExactly("acme/hello");
        assertThat(NameGuard.confusables("evil/hеllo", EXISTING)).extracting(NameGuard.Match::existing).containsExactly("acme/hello"); // Cyrillic е
        assertThat(NameGuard.confusables("evil/github-lssues", EXISTING)).extracting(NameGuard.Match::existing).containsExactly("tools/github-issues");
        assertThat(NameGuard.skeleton("modern")).isEqualTo(NameGuard.skeleton("rnodern"));
    }

    @Test
    void detectsTyposByEditDistance() {
        assertThat(NameGuard.confusables("evil/hlelo", EXISTING)).extracting(NameGuard.Match::existing).containsExactly("acme/hello");
        assertThat(NameGuard.confusables("evil/wether-forcast", EXISTING)).extracting(NameGuard.Match::existing).containsExactly("acme/weather-forecast");
        assertThat(NameGuard.damerauLevenshtein("abcd", "acbd")).isEqualTo(1);
    }

    @Test
    void detectsCloneSuffixes() {
        for (String c : new String[] {"evil/hello-x7k2q", "evil/hello-copy", "evil/hello-official", "evil/hello-v2", "evil/hello-2024", "evil/hello-xxxxx"}) {
            assertThat(NameGuard.confusables(c, EXISTING)).as(c).extracting(NameGuard.Match::existing).containsExactly("acme/hello");
        }
    }

    @Test
    void leavesDistinctNamesAlone() {
        for (String c : new String[] {"acme/goodbye", "acme/calendar-sync", "acme/hello-world", "tools/gitlab-merge-requests"}) {
            assertThat(NameGuard.confusables(c, EXISTING)).as(c).isEmpty();
        }
    }
}
