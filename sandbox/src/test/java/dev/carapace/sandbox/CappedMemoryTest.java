package dev.carapace.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.carapace.skills.Manifest;
import dev.carapace.skills.ManifestException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import run.endive.runtime.ByteArrayMemory;
import run.endive.runtime.Memory;
import run.endive.runtime.WasmRuntimeException;
import run.endive.wasm.types.MemoryLimits;

/**
 * The flat, capped memory must behave like Endive's own {@link ByteArrayMemory} for every access a guest can make:
 * random operations at addresses clustered around the edges of memory, applied to both, must give the same values
 * and trap in the same places. Then the cap itself: refused growth and its audit record.
 */
class CappedMemoryTest {
    private final ByteArrayOutputStream auditSink = new ByteArrayOutputStream();

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    private CappedMemory capped(int initial, int max, int cap) throws ManifestException {
        Session session = new Session(minimalManifest(),
                AuditLog.inMemory(auditSink), List.of(), Map.of(), Map.of(), null, null, Long.MAX_VALUE);
        return new CappedMemory(new MemoryLimits(initial, max), cap, session);
    }

    /** A manifest that grants nothing and keeps the default limits. */
    private static Manifest minimalManifest() throws ManifestException {
        return Manifest.parse(("{\"name\":\"t/t\",\"version\":\"1.0.0\",\"entrypoints\":"
                + "{\"main\":{\"export\":\"_start\"}}}").getBytes(StandardCharsets.UTF_8));
    }

    static IntStream seeds() {
        return IntStream.range(0, 60);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void behavesLikeEndivesMemory(int seed) throws Exception {
        Random rnd = new Random(seed);
        int initial = rnd.nextInt(3);
        Memory ours = capped(initial, 6, 8);
        Memory theirs = new ByteArrayMemory(new MemoryLimits(initial, 6));
        for (int step = 0; step < 3_000; step++) {
            int size = ours.pages() * Memory.PAGE_SIZE;
            int addr = edgeAddress(rnd, size);
            int op = rnd.nextInt(16);
            long value = rnd.nextLong();
            int len = rnd.nextInt(5) == 0 ? rnd.nextInt(Memory.PAGE_SIZE * 2) : rnd.nextInt(40) - 4;
            String what = "seed " + seed + " step " + step + " op " + op + " addr " + addr + " len " + len;
            assertThat(outcome(() -> apply(ours, op, addr, value, len)))
                    .as(what).isEqualTo(outcome(() -> apply(theirs, op, addr, value, len)));
            assertThat(ours.pages()).as(what).isEqualTo(theirs.pages());
        }
        assertThat(ours.readBytes(0, ours.pages() * Memory.PAGE_SIZE))
                .isEqualTo(theirs.readBytes(0, theirs.pages() * Memory.PAGE_SIZE));
    }

    /** Mostly addresses within 16 bytes of 0 or of the end, sometimes anywhere, sometimes negative (u32 above 2 GiB). */
    private static int edgeAddress(Random rnd, int size) {
        return switch (rnd.nextInt(6)) {
            case 0 -> rnd.nextInt(32) - 16;
            case 1, 2 -> size + rnd.nextInt(32) - 16;
            case 3 -> Integer.MIN_VALUE + rnd.nextInt(16);
            default -> size == 0 ? 0 : rnd.nextInt(size);
        };
    }

    private static Object apply(Memory m, int op, int addr, long v, int len) {
        return switch (op) {
            case 0 -> m.read(addr);
            case 1 -> m.readShort(addr);
            case 2 -> m.readInt(addr);
            case 3 -> m.readLong(addr);
            case 4 -> Float.floatToRawIntBits(m.readFloat(addr));
            case 5 -> Double.doubleToRawLongBits(m.readDouble(addr));
            case 6 -> { m.writeByte(addr, (byte) v); yield "ok"; }
            case 7 -> { m.writeShort(addr, (short) v); yield "ok"; }
            case 8 -> { m.writeI32(addr, (int) v); yield "ok"; }
            case 9 -> { m.writeLong(addr, v); yield "ok"; }
            case 10 -> { m.writeF64(addr, Double.longBitsToDouble(v)); yield "ok"; }
            case 11 -> Arrays.hashCode(m.readBytes(addr, len));
            case 12 -> { m.fill((byte) v, addr, addr + len); yield "ok"; }
            case 13 -> { m.copy(addr, (int) (v >>> 40) % (m.pages() * Memory.PAGE_SIZE + 1), len); yield "ok"; }
            case 14 -> { m.write(addr, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, (int) (v & 7), Math.max(0, len) % 9); yield "ok"; }
            default -> m.grow((int) (v & 3));
        };
    }

    /** A value, or "trap" for an out-of-bounds access (both memories report it as a WasmRuntimeException). */
    private static Object outcome(Supplier<Object> s) {
        try {
            return s.get();
        } catch (WasmRuntimeException e) {
            return "trap";
        }
    }

    /** memory.init after data.drop traps (unless it copies nothing), on both engines: WebAssembly bulk memory. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Engine.class)
    void aDroppedSegmentCannotBeCopiedAgain(Engine engine) throws Exception {
        String module = """
                (module
                  (memory (export "memory") 1)
                  (data $d "abc")
                  (func (export "_start")
                    (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3))
                    (data.drop $d)
                    (memory.init $d (i32.const 8) (i32.const 0) (i32.const %d))))
                """;
        for (int len : new int[] {0, 1}) {
            java.nio.file.Path wat = tmp.resolve("drop" + len + ".wat");
            java.nio.file.Files.writeString(wat, module.formatted(len));
            Sandbox.Result r = Sandbox.run(Wat.compile(wat), minimalManifest(), "main", Sandbox.Bindings.none(),
                    AuditLog.inMemory(new ByteArrayOutputStream()), engine);
            if (len == 0) {
                assertThat(r.violation()).as("copying nothing from a dropped segment is allowed").isNull();
            } else {
                assertThat(r.violation()).isNotNull();
                assertThat(r.violation().kind()).isEqualTo(SandboxViolation.Kind.TRAP);
                assertThat(r.violation().message()).contains("out of bounds memory access");
            }
        }
    }

    @Test
    void growthStopsAtTheBudgetAndIsAuditedOnce() throws Exception {
        CappedMemory m = capped(1, 100, 3);
        assertThat(m.maximumPages()).isEqualTo(3);
        assertThat(m.grow(2)).isEqualTo(1);
        assertThat(m.grow(1)).isEqualTo(-1);
        assertThat(m.grow(-1)).isEqualTo(-1);
        assertThat(m.pages()).isEqualTo(3);
        String audit = auditSink.toString(StandardCharsets.UTF_8);
        assertThat(audit.lines().filter(l -> l.contains("memoryPages")).count()).isEqualTo(1);
        assertThat(audit).contains("\"requested\":4");
    }

    @Test
    void newPagesReadAsZeroAndTheLastByteIsTheEdge() throws Exception {
        CappedMemory m = capped(0, 8, 8);
        assertThatThrownBy(() -> m.read(0)).isInstanceOf(WasmRuntimeException.class);
        List<Integer> previous = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            previous.add(m.grow(1));
            int end = m.pages() * Memory.PAGE_SIZE;
            m.writeByte(end - 1, (byte) 7);
            assertThat(m.readInt(end - 4)).isEqualTo(7 << 24);
            assertThatThrownBy(() -> m.readInt(end - 3)).isInstanceOf(WasmRuntimeException.class)
                    .hasMessageContaining("out of bounds memory access");
        }
        assertThat(previous).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(m.readInt(Memory.PAGE_SIZE)).as("a page grown after a write elsewhere starts zeroed").isZero();
    }
}
