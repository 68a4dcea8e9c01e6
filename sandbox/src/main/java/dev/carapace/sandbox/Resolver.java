package dev.carapace.sandbox;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Name resolution for carapace.http_get; injectable so tests can play a rebinding DNS server. */
@FunctionalInterface
public interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;

    Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));
}
