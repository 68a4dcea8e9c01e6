package dev.carapace.sandbox;

import java.util.Map;
import run.endive.runtime.ByteArrayMemory;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.wasm.types.DataSegment;
import run.endive.wasm.types.MemoryLimits;

/**
 * Linear memory that never grows past the manifest's page budget. A refused memory.grow returns -1 to the guest, as
 * WebAssembly specifies, and is audited once as a limit record.
 */
final class CappedMemory implements Memory {
    private final ByteArrayMemory m;
    private final int cap;
    private final Session session;
    private boolean refused;

    CappedMemory(MemoryLimits declared, int cap, Session session) {
        this.m = new ByteArrayMemory(new MemoryLimits(declared.initialPages(),
                Math.min(cap, declared.maximumPages())));
        this.cap = cap;
        this.session = session;
    }

    @Override
    public int grow(int size) {
        if (size < 0 || (long) m.pages() + size > cap) {
            if (!refused) {
                refused = true;
                session.audit("limit", Map.of("limit", "memoryPages", "value", cap, "requested",
                        (long) m.pages() + (size & 0xFFFFFFFFL)));
            }
            return -1;
        }
        return m.grow(size);
    }

    // Everything else is the plain byte-array memory.
    @Override public int pages() { return m.pages(); }
    @Override public int initialPages() { return m.initialPages(); }
    @Override public int maximumPages() { return m.maximumPages(); }
    @Override public boolean shared() { return false; }
    @SuppressWarnings("removal") // atomics API; unused since shared memory is refused at admission
    @Override public Object lock(int address) { return m.lock(address); }
    @SuppressWarnings("removal") // atomics API; unused since shared memory is refused at admission
    @Override public int waitOn(int address, int expected, long timeout) { return m.waitOn(address, expected, timeout); }
    @SuppressWarnings("removal") // atomics API; unused since shared memory is refused at admission
    @Override public int waitOn(int address, long expected, long timeout) { return m.waitOn(address, expected, timeout); }
    @SuppressWarnings("removal") // atomics API; unused since shared memory is refused at admission
    @Override public int notify(int address, int maxThreads) { return m.notify(address, maxThreads); }
    @Override public void initialize(Instance instance, DataSegment[] segments) { m.initialize(instance, segments); }
    @Override public void initialize(Instance instance, DataSegment[] segments, int memIdx) { m.initialize(instance, segments, memIdx); }
    @Override public void initPassiveSegment(int segmentId, int dest, int offset, int size) { m.initPassiveSegment(segmentId, dest, offset, size); }
    @Override public void write(int addr, byte[] data, int offset, int size) { m.write(addr, data, offset, size); }
    @Override public byte read(int addr) { return m.read(addr); }
    @Override public byte[] readBytes(int addr, int len) { return m.readBytes(addr, len); }
    @Override public void writeI32(int addr, int data) { m.writeI32(addr, data); }
    @Override public int readInt(int addr) { return m.readInt(addr); }
    @Override public void writeLong(int addr, long data) { m.writeLong(addr, data); }
    @Override public long readLong(int addr) { return m.readLong(addr); }
    @Override public void writeShort(int addr, short data) { m.writeShort(addr, data); }
    @Override public short readShort(int addr) { return m.readShort(addr); }
    @Override public long readU16(int addr) { return m.readU16(addr); }
    @Override public void writeByte(int addr, byte data) { m.writeByte(addr, data); }
    @Override public void writeF32(int addr, float data) { m.writeF32(addr, data); }
    @Override public long readF32(int addr) { return m.readF32(addr); }
    @Override public float readFloat(int addr) { return m.readFloat(addr); }
    @Override public void writeF64(int addr, double data) { m.writeF64(addr, data); }
    @Override public double readDouble(int addr) { return m.readDouble(addr); }
    @Override public long readF64(int addr) { return m.readF64(addr); }
    @Override public void zero() { m.zero(); }
    @Override public void fill(byte value, int fromIndex, int toIndex) { m.fill(value, fromIndex, toIndex); }
    @Override public void copy(int dest, int src, int size) { m.copy(dest, src, size); }
    @Override public void drop(int segment) { m.drop(segment); }
}
