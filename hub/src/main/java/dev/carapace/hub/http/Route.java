package dev.carapace.hub.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of the routing table. {@code auth} says how the caller must prove who it is; {@code bodyType} is the only
 * media type a request body may have; {@code summary} and {@code tag} feed the OpenAPI description, which is generated
 * from this table and so cannot drift from it.
 */
public record Route(String method, String pattern, Auth auth, String tag, String summary, String bodyType,
                    Handler handler) {
    public static final String JSON = "application/json";

    /** A route whose body, if any, is JSON. */
    public Route(String method, String pattern, Auth auth, String tag, String summary, Handler handler) {
        this(method, pattern, auth, tag, summary, JSON, handler);
    }

    public enum Auth {
        /** No signature needed: public documents. */
        PUBLIC,
        /** Signed by the current key of a registered identity. */
        SIGNED,
        /** Signed, with the key taken from the identity document in the body (registration and key events). */
        SIGNED_BY_BODY
    }

    @FunctionalInterface
    public interface Handler {
        Reply handle(Call call) throws Exception;
    }

    List<String> segments() {
        List<String> out = new ArrayList<>();
        for (String s : pattern.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Path parameters if {@code path} matches this route, else null. A last pattern segment {@code {name*}} takes the
     * rest of the path (one or more segments, joined with '/').
     */
    Map<String, String> match(List<String> path) {
        List<String> segs = segments();
        String last = segs.isEmpty() ? "" : segs.get(segs.size() - 1);
        if (last.startsWith("{") && last.endsWith("*}")) {
            if (path.size() < segs.size()) {
                return null;
            }
            Map<String, String> head = new Route(method, "/" + String.join("/", segs.subList(0, segs.size() - 1)),
                    auth, tag, summary, bodyType, handler).match(path.subList(0, segs.size() - 1));
            if (head == null) {
                return null;
            }
            head.put(last.substring(1, last.length() - 2), String.join("/", path.subList(segs.size() - 1,
                    path.size())));
            return head;
        }
        if (segs.size() != path.size()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < segs.size(); i++) {
            String s = segs.get(i);
            if (s.startsWith("{") && s.endsWith("}")) {
                params.put(s.substring(1, s.length() - 1), path.get(i));
            } else if (!s.equals(path.get(i))) {
                return null;
            }
        }
        return params;
    }
}
