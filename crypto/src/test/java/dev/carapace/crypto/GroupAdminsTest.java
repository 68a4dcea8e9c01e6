package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupAdminsTest {
    private static String id() {
        return KeyEventLog.incept("agent", Ed25519KeyPair.generate(), Ed25519KeyPair.generate().publicKey(), 1).id()
                .toString();
    }

    @Test
    void encodesCanonicallyAndReadsBack() {
        String a = id();
        String b = id();
        byte[] data = GroupAdmins.encode(Set.of(b, a));
        assertThat(data).isEqualTo(GroupAdmins.encode(Set.of(a, b)));
        assertThat(new String(data, StandardCharsets.UTF_8)).startsWith("{\"admins\":[");
        assertThat(GroupAdmins.decode(data)).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void anythingMalformedNamesNoAdmin() {
        String a = id();
        for (String bad : new String[] {"", "[]", "{\"v\":2,\"admins\":[\"" + a + "\"]}",
                "{\"v\":1,\"admins\":[\"" + a + "\"],\"extra\":1}", "{\"v\":1,\"admins\":\"" + a + "\"}",
                "{\"v\":1,\"admins\":[\"" + a + "\",\"not-an-id\"]}", "{\"v\":1,\"v\":1,\"admins\":[]}"}) {
            assertThat(GroupAdmins.decode(bad.getBytes(StandardCharsets.UTF_8))).as(bad).isEmpty();
        }
    }
}
