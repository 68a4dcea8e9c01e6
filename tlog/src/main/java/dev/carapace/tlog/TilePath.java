package dev.carapace.tlog;

/**
 * A C2SP tlog-tiles resource path: {@code tile/<L>/<N>[.p/<W>]} for hash tiles and {@code tile/entries/<N>[.p/<W>]}
 * for entry bundles. {@code N} is written in zero-padded 3-digit elements, all but the last prefixed with {@code x}
 * (1234067 is {@code x001/x234/067}). Parsing is strict: one resource has one path.
 */
public record TilePath(boolean entries, int level, long index, int width) {
    public static final int FULL_WIDTH = 256;

    public TilePath {
        if (level < 0 || level > 63 || index < 0 || width < 1 || width > FULL_WIDTH || (entries && level != 0)) {
            throw new IllegalArgumentException("tile out of range");
        }
    }

    public boolean partial() {
        return width < FULL_WIDTH;
    }

    public String encode() {
        StringBuilder sb = new StringBuilder("tile/").append(entries ? "entries" : Integer.toString(level)).append('/');
        String digits = Long.toString(index);
        int groups = Math.max(1, (digits.length() + 2) / 3);
        String padded = "0".repeat(groups * 3 - digits.length()) + digits;
        for (int g = 0; g < groups; g++) {
            if (g > 0) {
                sb.append('/');
            }
            if (g < groups - 1) {
                sb.append('x');
            }
            sb.append(padded, g * 3, g * 3 + 3);
        }
        if (partial()) {
            sb.append(".p/").append(width);
        }
        return sb.toString();
    }

    /** Parses the path after the log prefix, e.g. {@code tile/0/x001/234.p/7}; throws on any deviation. */
    public static TilePath parse(String path) {
        String[] parts = path.split("/", -1);
        if (parts.length < 3 || !parts[0].equals("tile")) {
            throw new IllegalArgumentException("not a tile path");
        }
        boolean entries = parts[1].equals("entries");
        int level = entries ? 0 : decimal(parts[1], 63);
        int width = FULL_WIDTH;
        int last = parts.length - 1;
        if (parts.length >= 4 && parts[last - 1].endsWith(".p")) {
            width = decimal(parts[last], 255);
            if (width < 1) {
                throw new IllegalArgumentException("partial width must be 1 to 255");
            }
            parts[last - 1] = parts[last - 1].substring(0, parts[last - 1].length() - 2);
            last--;
        }
        long index = 0;
        for (int i = 2; i <= last; i++) {
            String el = parts[i];
            boolean isLast = i == last;
            if (isLast ? !el.matches("[0-9]{3}") : !el.matches("x[0-9]{3}")) {
                throw new IllegalArgumentException("bad index element '" + el + "'");
            }
            if (i - 2 > 6) {
                throw new IllegalArgumentException("index too large");
            }
            index = index * 1000 + Integer.parseInt(isLast ? el : el.substring(1));
        }
        TilePath t = new TilePath(entries, level, index, width);
        if (!t.encode().equals(path)) {
            throw new IllegalArgumentException("non-canonical tile path");
        }
        return t;
    }

    private static int decimal(String s, int max) {
        if (!s.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(s) > max) {
            throw new IllegalArgumentException("bad number '" + s + "'");
        }
        return Integer.parseInt(s);
    }

    /** Leaves spanned by one hash of a tile at {@code level}: 256^level. */
    public static long leavesPerHash(int level) {
        return 1L << (8 * level);
    }
}
