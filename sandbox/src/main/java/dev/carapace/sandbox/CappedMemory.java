package dev.carapace.sandbox;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import run.endive.runtime.ConstantEvaluators;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.runtime.WasmRuntimeException;
import run.endive.wasm.UninstantiableException;
import run.endive.wasm.types.ActiveDataSegment;
import run.endive.wasm.types.DataSegment;
import run.endive.wasm.types.MemoryLimits;
import run.endive.wasm.types.PassiveDataSegment;

/**
 * Linear memory that never grows past the manifest's page budget. A refused memory.grow returns -1 to the guest, as
 * WebAssembly specifies, and is audited once as a limit record.
 *
 * <p>The bytes live in one flat array rather than Endive's 64 KiB pages: compiled skills do a load or store every
 * few instructions, and one explicit bound check plus a little-endian array view is about half the cost of a page
 * lookup followed by the view's own check (docs/benchmarks.md, SHA-256). The array's capacity doubles on growth so
 * that a module growing one page at a time copies O(size) bytes in total, not O(size²); {@code size} is the guest's
 * logical size and every access is checked against it, never against the capacity. Out-of-range addresses,
 * including negative ones (u32 addresses above 2 GiB), trap.
 *
 * <p>An instance serves one guest thread: shared memories are refused at admission, so nothing here needs to be
 * thread-safe.
 */
final class CappedMemory implements Memory {
    private static final VarHandle SHORT = view(short[].class);
    private static final VarHandle INT = view(int[].class);
    private static final VarHandle LONG = view(long[].class);
    private static final VarHandle FLOAT = view(float[].class);
    private static final VarHandle DOUBLE = view(double[].class);

    private final int initialPages;
    private final int maximumPages;
    private final int cap;
    private final Session session;
    private byte[] bytes;
    private int size;
    private DataSegment[] segments = new DataSegment[0];
    private boolean refused;

    CappedMemory(MemoryLimits declared, int cap, Session session) {
        this.initialPages = declared.initialPages();
        this.maximumPages = Math.min(cap, declared.maximumPages());
        this.cap = cap;
        this.session = session;
        if (initialPages > cap) {
            // Admission compares the declared minimum with the budget first; this is the backstop.
            throw new UninstantiableException("memory needs " + initialPages + " pages, the budget is " + cap);
        }
        this.size = Memory.bytes(initialPages);
        this.bytes = new byte[size];
    }

    private static VarHandle view(Class<?> arrayType) {
        return MethodHandles.byteArrayViewVarHandle(arrayType, ByteOrder.LITTLE_ENDIAN);
    }

    private static WasmRuntimeException outOfBounds() {
        return new WasmRuntimeException("out of bounds memory access");
    }

    /** Checks that [addr, addr + len) lies inside the guest's memory; len is 1..8, so addr + len cannot overflow. */
    private int at(int addr, int len) {
        if (addr < 0 || addr > size - len) {
            throw outOfBounds();
        }
        return addr;
    }

    /** The bulk-operation check: start and length are guest values, so both may be negative or overflow. */
    private static void range(int start, int len, int limit) {
        if (start < 0 || len < 0 || (long) start + len > limit) {
            throw outOfBounds();
        }
    }

    @Override
    public int grow(int delta) {
        int pages = size / PAGE_SIZE;
        if (delta < 0 || (long) pages + delta > cap || (long) pages + delta > maximumPages) {
            if (!refused && (delta < 0 || (long) pages + delta > cap)) {
                refused = true;
                session.audit("limit", Map.of("limit", "memoryPages", "value", cap, "requested",
                        (long) pages + (delta & 0xFFFFFFFFL)));
            }
            return -1;
        }
        int newSize = Memory.bytes(pages + delta);
        if (newSize > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(newSize, (int) Math.min(Memory.bytes(maximumPages),
                    2L * bytes.length)));
        }
        size = newSize;
        return pages;
    }

    @Override public int pages() { return size / PAGE_SIZE; }
    @Override public int initialPages() { return initialPages; }
    @Override public int maximumPages() { return maximumPages; }
    @Override public boolean shared() { return false; }

    // Atomics on an unshared memory are plain accesses; the interface's defaults synchronise on this monitor.
    @SuppressWarnings("removal")
    @Override public Object lock(int address) { return this; }

    @SuppressWarnings("removal")
    @Override public int waitOn(int address, int expected, long timeout) {
        throw new WasmRuntimeException("expected shared memory");
    }

    @SuppressWarnings("removal")
    @Override public int waitOn(int address, long expected, long timeout) {
        throw new WasmRuntimeException("expected shared memory");
    }

    @SuppressWarnings("removal")
    @Override public int notify(int address, int maxThreads) {
        at(address, 4);
        return 0; // nobody can wait on an unshared memory
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments) {
        initialize(instance, dataSegments, 0);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
        if (dataSegments == null) {
            return;
        }
        // The instance's own array (Endive builds one per instance): data.drop writes EMPTY into it through
        // Instance.dropDataSegment, and memory.init must see that, so this is deliberately not a copy.
        segments = dataSegments;
        for (int i = 0; i < segments.length; i++) {
            if (segments[i] instanceof ActiveDataSegment a && a.index() == memoryIndex) {
                int offset = (int) ConstantEvaluators.computeConstantValue(instance, a.offsetInstructions())[0];
                byte[] data = a.data();
                if (offset < 0 || (long) offset + data.length > size) {
                    throw new UninstantiableException("out of bounds memory access");
                }
                System.arraycopy(data, 0, bytes, offset, data.length);
                segments[i] = PassiveDataSegment.EMPTY; // an active segment is dropped once applied
            }
        }
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int len) {
        byte[] data = segments[segmentId].data();
        range(offset, len, data.length);
        range(dest, len, size);
        System.arraycopy(data, offset, bytes, dest, len);
    }

    @Override
    public void drop(int segment) {
        segments[segment] = PassiveDataSegment.EMPTY;
    }

    @Override
    public void write(int addr, byte[] data, int offset, int len) {
        range(offset, len, data.length);
        range(addr, len, size);
        System.arraycopy(data, offset, bytes, addr, len);
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        range(addr, len, size);
        return Arrays.copyOfRange(bytes, addr, addr + len);
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        range(fromIndex, toIndex - fromIndex, size);
        Arrays.fill(bytes, fromIndex, toIndex, value);
    }

    @Override
    public void copy(int dest, int src, int len) {
        range(dest, len, size);
        range(src, len, size);
        System.arraycopy(bytes, src, bytes, dest, len); // correct for overlapping ranges
    }

    @Override
    public void zero() {
        Arrays.fill(bytes, 0, size, (byte) 0);
    }

    @Override public byte read(int addr) { return bytes[at(addr, 1)]; }
    @Override public void writeByte(int addr, byte data) { bytes[at(addr, 1)] = data; }
    @Override public short readShort(int addr) { return (short) SHORT.get(bytes, at(addr, 2)); }
    @Override public void writeShort(int addr, short data) { SHORT.set(bytes, at(addr, 2), data); }
    @Override public long readU16(int addr) { return readShort(addr) & 0xFFFFL; }
    @Override public int readInt(int addr) { return (int) INT.get(bytes, at(addr, 4)); }
    @Override public void writeI32(int addr, int data) { INT.set(bytes, at(addr, 4), data); }
    @Override public long readLong(int addr) { return (long) LONG.get(bytes, at(addr, 8)); }
    @Override public void writeLong(int addr, long data) { LONG.set(bytes, at(addr, 8), data); }
    @Override public float readFloat(int addr) { return (float) FLOAT.get(bytes, at(addr, 4)); }
    @Override public long readF32(int addr) { return readInt(addr); }
    @Override public void writeF32(int addr, float data) { FLOAT.set(bytes, at(addr, 4), data); }
    @Override public double readDouble(int addr) { return (double) DOUBLE.get(bytes, at(addr, 8)); }
    @Override public long readF64(int addr) { return readLong(addr); }
    @Override public void writeF64(int addr, double data) { DOUBLE.set(bytes, at(addr, 8), data); }
}
