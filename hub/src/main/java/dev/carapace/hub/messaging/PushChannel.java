package dev.carapace.hub.messaging;

import dev.carapace.crypto.Bytes;
import dev.carapace.hub.limits.HubLimits;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The push channel: one WebSocket per online installation, over which the hub says only {@code {"type":"pending"}}
 * when something for it was accepted; the client then fetches its inbox with a signed request, from its cursor. A
 * WebSocket upgrade cannot carry the RFC 9421 profile, so it presents a single-use ticket (256 bits, 60 s) obtained
 * through a signed request instead. Pushes reach sockets open on this hub process only.
 */
final class PushChannel {
    static final String PATH = "/v1/push";
    static final long TICKET_MS = HubLimits.PUSH_TICKET_MS;
    private static final String PENDING = "{\"type\":\"pending\"}";

    record Ticket(String ticket, String installationKey, long expiresMs) {}

    private final Clock clock;
    private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
    private final Map<String, Set<Session>> sessions = new ConcurrentHashMap<>();

    PushChannel(Clock clock) {
        this.clock = clock;
    }

    /** A ticket for the installation {@code agent/installation}. */
    Ticket issue(String installationKey) {
        long now = clock.millis();
        if (tickets.size() > HubLimits.PUSH_TICKETS) {
            tickets.values().removeIf(t -> t.expiresMs() < now);
        }
        Ticket t = new Ticket(Bytes.b64url(Bytes.random(32)), installationKey, now + TICKET_MS);
        tickets.put(t.ticket(), t);
        return t;
    }

    void notifyPending(String installationKey) {
        Set<Session> open = sessions.get(installationKey);
        if (open != null) {
            for (Session s : open) {
                s.sendText(PENDING, Callback.NOOP);
            }
        }
    }

    /** Says "pending" on every open socket of every installation of the given agents. */
    void notifyAgents(Set<String> agents) {
        for (Map.Entry<String, Set<Session>> e : sessions.entrySet()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            if (slash > 0 && agents.contains(key.substring(0, slash))) {
                for (Session s : e.getValue()) {
                    s.sendText(PENDING, Callback.NOOP);
                }
            }
        }
    }

    /** Puts the WebSocket endpoint in front of {@code api}; every other request goes on to it. */
    Handler wrap(Server server, Handler api) {
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofMillis(HubLimits.PUSH_IDLE_MS));
            container.setMaxTextMessageSize(HubLimits.PUSH_TEXT_BYTES);
            container.addMapping(PATH, (req, resp, cb) -> {
                String query = req.getHttpURI().getQuery();
                String ticket = query != null && query.startsWith("ticket=") ? query.substring(7) : null;
                Ticket t = ticket == null ? null : tickets.remove(ticket);
                if (t == null || t.expiresMs() < clock.millis()) {
                    Response.writeError(req, resp, cb, 401, "a valid push ticket is needed");
                    return null;
                }
                return new Socket(t.installationKey(), sessions);
            });
        });
        ws.setHandler(api);
        return ws;
    }

    /**
     * One open push socket: registered while open, told "pending" at once so the client catches up. Public only
     * because Jetty calls its listener methods reflectively.
     */
    public static final class Socket implements Session.Listener.AutoDemanding {
        private final String key;
        private final Map<String, Set<Session>> sessions;
        private Session session;

        Socket(String key, Map<String, Set<Session>> sessions) {
            this.key = key;
            this.sessions = sessions;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            sessions.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(s);
            s.sendText(PENDING, Callback.NOOP);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // A client that goes away mid-frame is ordinary; the close callback unregisters the socket.
        }

        @Override
        public void onWebSocketClose(int status, String reason) {
            Set<Session> open = sessions.get(key);
            if (open != null && session != null) {
                open.remove(session);
                if (open.isEmpty()) {
                    sessions.remove(key, open);
                }
            }
        }
    }
}
