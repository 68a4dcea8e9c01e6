package dev.carapace.skills;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Skill names ({@code namespace/name}) and confusable detection against existing names.
 * Namespace ownership (first identity to claim it) is the hub's job; this class only validates and compares.
 */
public final class NameGuard {
    public static final int MAX_PART = 39;
    public static final int MIN_PART = 2;
    private static final Pattern PART = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    /** Clone suffixes: -copy, -official, -v2, digits, or a random-looking 4-8 character tail. */
    private static final Pattern CLONE_SUFFIX = Pattern.compile("^(.+?)-(copy|official|real|original|new|latest|v\\d+|\\d+|[a-z0-9]{4,8})$");
    private static final Map<Character, String> CONFUSABLES = Map.ofEntries(
            // Cyrillic
            Map.entry('а', "a"), Map.entry('е', "e"), Map.entry('о', "o"), Map.entry('р', "p"), Map.entry('с', "c"),
            Map.entry('х', "x"), Map.entry('у', "y"), Map.entry('і', "l"), Map.entry('ј', "j"), Map.entry('ѕ', "s"),
            Map.entry('к', "k"), Map.entry('м', "m"), Map.entry('т', "t"), Map.entry('н', "h"), Map.entry('в', "b"),
            // Greek
            Map.entry('ο', "o"), Map.entry('α', "a"), Map.entry('ν', "v"), Map.entry('ι', "l"), Map.entry('κ', "k"),
            Map.entry('ρ', "p"), Map.entry('τ', "t"), Map.entry('ε', "e"), Map.entry('υ', "u"),
            // ASCII digit/letter look-alikes
            Map.entry('1', "l"), Map.entry('i', "l"), Map.entry('|', "l"), Map.entry('0', "o"), Map.entry('3', "e"),
            Map.entry('5', "s"), Map.entry('_', "-"), Map.entry('.', "-"));

    private NameGuard() {}

    /** A confusable match: the existing name and why it is confusable. */
    public record Match(String existing, String reason) {}

    /** Throws {@link IllegalArgumentException} naming the fault unless {@code name} is a valid {@code namespace/name}. */
    public static void validate(String name) {
        int slash = name.indexOf('/');
        if (slash < 0 || slash != name.lastIndexOf('/')) throw new IllegalArgumentException("name must be namespace/name: " + name);
        validatePart("namespace", name.substring(0, slash));
        validatePart("name", name.substring(slash + 1));
    }

    public static void validatePart(String what, String part) {
        if (part.length() < MIN_PART || part.length() > MAX_PART)
            throw new IllegalArgumentException(what + " length must be " + MIN_PART + ".." + MAX_PART + ": " + part);
        if (!PART.matcher(part).matches())
            throw new IllegalArgumentException(what + " must be lower-case ASCII [a-z0-9] words joined by single '-': " + part);
    }

    /** The confusable skeleton: NFKC, lower case, homoglyphs folded, rn→m and vv→w. */
    public static String skeleton(String s) {
        String n = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            b.append(CONFUSABLES.getOrDefault(c, String.valueOf(c)));
        }
        return b.toString().replace("rn", "m").replace("vv", "w").replace("cl", "d");
    }

    /**
     * Existing names that {@code candidate} could be mistaken for. The candidate need not be valid (so a
     * homoglyph attempt is still explained); an exact existing name is reported as "identical".
     */
    public static List<Match> confusables(String candidate, Collection<String> existing) {
        List<Match> out = new ArrayList<>();
        String cand = candidate.toLowerCase(Locale.ROOT);
        String candSkel = skeleton(cand);
        String candName = local(cand);
        for (String e : existing) {
            if (e.equals(candidate)) { out.add(new Match(e, "identical")); continue; }
            String eName = local(e);
            String eSkel = skeleton(e);
            if (candSkel.equals(eSkel) || skeleton(candName).equals(skeleton(eName))) {
                out.add(new Match(e, "same skeleton after homoglyph folding (" + skeleton(candName) + ")"));
                continue;
            }
            int limit = eName.length() <= 8 ? 1 : 2;
            int d = damerauLevenshtein(skeleton(candName), skeleton(eName));
            if (d <= limit) {
                out.add(new Match(e, "edit distance " + d + " from '" + eName + "'"));
                continue;
            }
            var m = CLONE_SUFFIX.matcher(candName);
            if (m.matches() && skeleton(m.group(1)).equals(skeleton(eName)) && looksLikeCloneSuffix(m.group(2))) {
                out.add(new Match(e, "clone suffix '-" + m.group(2) + "' on '" + eName + "'"));
            }
        }
        return out;
    }

    private static boolean looksLikeCloneSuffix(String s) {
        if (s.matches("copy|official|real|original|new|latest|v\\d+|\\d+")) return true;
        // random-looking: contains a digit, or has no vowel at all ("xxxxx", "qzkrt"); real words like "world" pass
        long vowels = s.chars().filter(c -> "aeiou".indexOf(c) >= 0).count();
        return s.chars().anyMatch(Character::isDigit) || vowels == 0;
    }

    private static String local(String n) {
        int i = n.indexOf('/');
        return i < 0 ? n : n.substring(i + 1);
    }

    /** Optimal-string-alignment Damerau-Levenshtein distance. */
    public static int damerauLevenshtein(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
        return d[a.length()][b.length()];
    }
}
