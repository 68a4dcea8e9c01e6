package dev.carapace.hub.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;

/**
 * Caps the connections one client address (an IPv4 address or an IPv6 /64, as for rate limits) may hold open at once:
 * a connection beyond the cap is closed as soon as it is accepted, before a byte of it is parsed. Added to a connector
 * as a bean, it sees every network connection (under TLS, the encrypted one only).
 */
public final class ConnectionsPerAddress implements Connection.Listener {
    private final int max;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
    /** The address each counted endpoint was counted under, so a close is uncounted exactly once. */
    private final ConcurrentHashMap<EndPoint, String> counted = new ConcurrentHashMap<>();

    /** {@code max} connections per address; 0 or less means no cap (e.g. behind a proxy that is the only peer). */
    public ConnectionsPerAddress(int max) {
        this.max = max;
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint ep = connection.getEndPoint();
        if (max <= 0 || !(ep instanceof SocketChannelEndPoint)) {
            return;
        }
        SocketAddress remote = ep.getRemoteSocketAddress();
        String key = remote instanceof InetSocketAddress isa ? ApiHandler.rateLimitKey(isa.getAddress()) : "unknown";
        if (counted.putIfAbsent(ep, key) != null) {
            return;
        }
        int n = open.merge(key, 1, Integer::sum);
        if (n > max) {
            ep.close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        String key = counted.remove(connection.getEndPoint());
        if (key == null) {
            return;
        }
        open.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }
}
