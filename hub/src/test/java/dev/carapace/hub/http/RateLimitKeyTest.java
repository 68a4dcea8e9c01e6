package dev.carapace.hub.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** IPv4 addresses spend their own budget; an IPv6 subscriber's whole /64 spends one. */
class RateLimitKeyTest {
    @Test
    void ipv6AddressesShareTheirSlash64() throws Exception {
        String a = ApiHandler.rateLimitKey(InetAddress.getByName("2001:db8:1:2:aaaa::1"));
        String b = ApiHandler.rateLimitKey(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        String other = ApiHandler.rateLimitKey(InetAddress.getByName("2001:db8:1:3::1"));
        assertThat(a).isEqualTo(b).isEqualTo("v6:20010db800010002::/64");
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void ipv4AddressesAreKeyedWhole() throws Exception {
        assertThat(ApiHandler.rateLimitKey(InetAddress.getByName("192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(ApiHandler.rateLimitKey(InetAddress.getByName("192.0.2.8"))).isEqualTo("192.0.2.8");
        assertThat(ApiHandler.rateLimitKey(null)).isEqualTo("unknown");
    }
}
