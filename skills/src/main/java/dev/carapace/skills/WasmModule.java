package dev.carapace.skills;

import dev.carapace.crypto.CryptoException;
import dev.carapace.crypto.Utf8;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Bounded parse of a wasm binary's import, export and data sections (nothing else is interpreted). */
public record WasmModule(List<String> imports, List<String> exports, byte[] data) {
    public static final int MAX_ITEMS = 10_000;

    /** Thrown for a malformed module; the scanner turns it into a finding. */
    public static final class MalformedWasm extends Exception {
        private static final long serialVersionUID = 1L;
        MalformedWasm(String m) { super(m); }
    }

    public static WasmModule parse(byte[] b) throws MalformedWasm {
        if (b.length < 8 || b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm' || b[4] != 1 || b[5] != 0 || b[6] != 0 || b[7] != 0)
            throw new MalformedWasm("bad magic or version");
        List<String> imports = new ArrayList<>(), exports = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int[] p = {8};
        while (p[0] < b.length) {
            int id = b[p[0]++] & 0xff;
            long size = leb(b, p);
            if (size > b.length - p[0]) throw new MalformedWasm("section " + id + " runs past the end");
            int end = p[0] + (int) size;
            if (id == 2 || id == 7) {
                int[] q = {p[0]};
                long n = leb(b, q);
                if (n > MAX_ITEMS) throw new MalformedWasm("too many items in section " + id);
                for (long i = 0; i < n; i++) {
                    if (id == 2) {
                        String mod = name(b, q, end), nm = name(b, q, end);
                        imports.add(mod + "." + nm);
                        int kind = byteAt(b, q, end);
                        switch (kind) {
                            case 0 -> leb(b, q);
                            case 1 -> { byteAt(b, q, end); limits(b, q, end); }
                            case 2 -> limits(b, q, end);
                            case 3 -> { byteAt(b, q, end); byteAt(b, q, end); }
                            default -> throw new MalformedWasm("unknown import kind " + kind);
                        }
                    } else {
                        exports.add(name(b, q, end));
                        byteAt(b, q, end);
                        leb(b, q);
                    }
                }
                if (q[0] > end) throw new MalformedWasm("section " + id + " overruns its size");
            } else if (id == 11 || id == 0) {
                data.write(b, p[0], (int) size); // raw bytes: string matchers see segment contents and custom sections
            } else if (id > 12) {
                throw new MalformedWasm("unknown section id " + id);
            }
            p[0] = end;
        }
        return new WasmModule(List.copyOf(imports), List.copyOf(exports), data.toByteArray());
    }

    private static void limits(byte[] b, int[] q, int end) throws MalformedWasm {
        int flag = byteAt(b, q, end);
        leb(b, q);
        if ((flag & 1) != 0) leb(b, q);
    }

    private static int byteAt(byte[] b, int[] q, int end) throws MalformedWasm {
        if (q[0] >= end) throw new MalformedWasm("truncated section");
        return b[q[0]++] & 0xff;
    }

    private static String name(byte[] b, int[] q, int end) throws MalformedWasm {
        long len = leb(b, q);
        if (len > end - q[0]) throw new MalformedWasm("name runs past its section");
        String s;
        try {
            s = Utf8.decode(b, q[0], (int) len); // the WebAssembly spec requires names to be well-formed UTF-8
        } catch (CryptoException e) {
            throw new MalformedWasm("a name is not well-formed UTF-8");
        }
        q[0] += (int) len;
        return s;
    }

    private static long leb(byte[] b, int[] p) throws MalformedWasm {
        long r = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (p[0] >= b.length) throw new MalformedWasm("truncated LEB128");
            int x = b[p[0]++] & 0xff;
            r |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return r;
        }
        throw new MalformedWasm("LEB128 too long");
    }
}
