package dev.carapace.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class KeyEventLogTest {

    /** A history of {@code rotations} rotations, keeping the key pairs so tests can forge with them. */
    record History(KeyEventLog log, List<Ed25519KeyPair> keys) {}

    static History history(int rotations) throws Exception {
        List<Ed25519KeyPair> keys = new ArrayList<>();
        for (int i = 0; i < rotations + 2; i++) {
            keys.add(Ed25519KeyPair.generate());
        }
        KeyEventLog log = KeyEventLog.incept("agent", keys.get(0), keys.get(1).publicKey(), 1_000);
        for (int i = 1; i <= rotations; i++) {
            log = log.rotate(keys.get(i), keys.get(i + 1).publicKey(), 1_000 + i);
        }
        return new History(log, keys);
    }

    @Test
    void rotationKeepsTheIdAndChangesTheKey() throws Exception {
        History h = history(0);
        AgentId id = h.log().id();
        KeyEventLog rotated = h.log().rotate(h.keys().get(1), Ed25519KeyPair.generate().publicKey(), 2_000);
        assertThat(rotated.id()).isEqualTo(id);
        assertThat(rotated.currentKey()).isEqualTo(h.keys().get(1).publicKey());
        assertThat(rotated.currentKeyId()).isEqualTo(id + "#1");
        h.log().requireExtendedBy(rotated);
        KeyEventLog reparsed = KeyEventLog.fromJson(CanonicalJson.encode(rotated.toJson()));
        assertThat(reparsed.id()).isEqualTo(id);
        assertThat(AgentId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void aThiefWithOnlyTheCurrentKeyCannotRotate() throws Exception {
        History h = history(1);
        Ed25519KeyPair stolenCurrent = h.keys().get(1);
        assertThatThrownBy(() -> h.log().rotate(stolenCurrent, Ed25519KeyPair.generate().publicKey(), 5_000))
                .isInstanceOfSatisfying(KelException.class,
                        e -> assertThat(e.reason()).isIn(KelException.Reason.NEXT_KEY_MISMATCH,
                                KelException.Reason.KEY_REUSED));
        Ed25519KeyPair thiefsOwn = Ed25519KeyPair.generate();
        assertThatThrownBy(() -> h.log().rotate(thiefsOwn, Ed25519KeyPair.generate().publicKey(), 5_000))
                .isInstanceOfSatisfying(KelException.class,
                        e -> assertThat(e.reason()).isEqualTo(KelException.Reason.NEXT_KEY_MISMATCH));
    }

    @Test
    void rejectsReusedKeys() throws Exception {
        Ed25519KeyPair k0 = Ed25519KeyPair.generate();
        Ed25519KeyPair k1 = Ed25519KeyPair.generate();
        KeyEventLog log = KeyEventLog.incept("agent", k0, k1.publicKey(), 1);
        // Commit back to k0, then reveal it: a key may never come back.
        KeyEventLog r1 = log.rotate(k1, k0.publicKey(), 2);
        assertThatThrownBy(() -> r1.rotate(k0, Ed25519KeyPair.generate().publicKey(), 3))
                .isInstanceOfSatisfying(KelException.class,
                        e -> assertThat(e.reason()).isEqualTo(KelException.Reason.KEY_REUSED));
    }

    @Test
    void rejectsForksAndGaps() throws Exception {
        History h = history(3);
        List<KeyEvent> events = h.log().events();

        List<KeyEvent> gap = new ArrayList<>(events);
        gap.remove(2);
        assertThatThrownBy(() -> KeyEventLog.verify(gap)).isInstanceOfSatisfying(KelException.class,
                e -> assertThat(e.reason()).isEqualTo(KelException.Reason.GAP));

        List<KeyEvent> dup = new ArrayList<>(events);
        dup.add(2, events.get(2));
        assertThatThrownBy(() -> KeyEventLog.verify(dup)).isInstanceOfSatisfying(KelException.class,
                e -> assertThat(e.reason()).isEqualTo(KelException.Reason.FORK));

        // Someone holding key 2's pre-committed successor builds a different seq 3 from the same seq 2: a fork.
        KeyEventLog upToTwo = KeyEventLog.verify(events.subList(0, 3));
        KeyEventLog branch = upToTwo.rotate(h.keys().get(3), Ed25519KeyPair.generate().publicKey(), 9_999);
        assertThatThrownBy(() -> h.log().requireExtendedBy(branch)).isInstanceOfSatisfying(KelException.class,
                e -> assertThat(e.reason()).isEqualTo(KelException.Reason.FORK));
    }

    @Test
    void rejectsAnEventFromAnotherIdentity() throws Exception {
        History a = history(1);
        History b = history(1);
        List<KeyEvent> mixed = new ArrayList<>(a.log().events());
        mixed.set(1, b.log().events().get(1));
        assertThatThrownBy(() -> KeyEventLog.verify(mixed)).isInstanceOf(KelException.class);
    }

    static Stream<Long> seeds() {
        return LongStream.range(0, 40).boxed();
    }

    /** Property: every single-field change anywhere in a valid history is rejected. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everySingleFieldTamperIsRejected(long seed) throws Exception {
        Random rnd = new Random(seed);
        History h = history(rnd.nextInt(4));
        ObjectNode doc = h.log().toJson();
        KeyEventLog.fromJson(doc); // the untouched history verifies
        int n = h.log().events().size();
        for (int i = 0; i < n; i++) {
            ObjectNode signed = (ObjectNode) doc.get("events").get(i);
            ObjectNode body = (ObjectNode) signed.get("event");
            List<String> fields = new ArrayList<>(body.propertyNames());
            fields.add("sig");
            for (String field : fields) {
                ObjectNode copy = doc.deepCopy();
                ObjectNode target = (ObjectNode) copy.get("events").get(i);
                ObjectNode targetBody = (ObjectNode) target.get("event");
                if (field.equals("sig")) {
                    target.put("sig", tamperB64(target.get("sig").asString(), rnd));
                } else {
                    tamper(targetBody, field, rnd);
                }
                assertThatThrownBy(() -> KeyEventLog.fromJson(copy))
                        .as("event %d field %s", i, field).isInstanceOf(KelException.class);
            }
        }
    }

    private static void tamper(ObjectNode body, String field, Random rnd) throws Exception {
        JsonNode v = body.get(field);
        if (v.isIntegralNumber()) {
            body.put(field, v.longValue() + 1 + rnd.nextInt(5));
        } else if (field.equals("type")) {
            body.put(field, v.asString().equals("inception") ? "rotation" : "inception");
        } else if (field.equals("kind")) {
            body.put(field, v.asString().equals("agent") ? "owner" : "agent");
        } else if (field.equals("v")) {
            body.put(field, "carapace.kel.v2");
        } else if (field.equals("id")) {
            body.put(field, history(0).log().id().toString());
        } else if (field.equals("key")) {
            body.put(field, Ed25519KeyPair.generate().publicKey().b64url());
        } else {
            body.put(field, tamperB64(v.asString(), rnd));
        }
    }

    private static String tamperB64(String s, Random rnd) throws CryptoException {
        byte[] b = Bytes.fromB64url(s);
        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        return Bytes.b64url(b);
    }

    @Test
    void agentIdFormatIsChecksummed() throws Exception {
        AgentId id = history(0).log().id();
        String text = id.toString();
        assertThat(text).startsWith("cara1").hasSize(AgentId.TEXT_LENGTH).matches("[a-z2-7]+[0-9]?[a-z2-7]*");
        assertThat(AgentId.parse(text.toUpperCase())).isEqualTo(id);
        char last = text.charAt(20);
        String typo = text.substring(0, 20) + (last == 'a' ? 'b' : 'a') + text.substring(21);
        assertThatThrownBy(() -> AgentId.parse(typo)).hasMessageContaining("checksum");
        assertThatThrownBy(() -> AgentId.parse(text.substring(1))).isInstanceOf(CryptoException.class);
        assertThatThrownBy(() -> AgentId.parse(text + "a")).hasMessageContaining("characters long");
        assertThatThrownBy(() -> AgentId.parse(text.substring(0, 10) + "1" + text.substring(11)))
                .hasMessageContaining("not base32");
    }
}
