package dev.carapace.sandbox;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** Addresses a skill may reach through a DNS name: public unicast only. */
final class AddressPolicy {
    private AddressPolicy() {}

    /** Why the address is not public, or null when it is. */
    static String nonPublic(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return "loopback address";
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified address";
        }
        if (a.isLinkLocalAddress()) {
            return a.getHostAddress().equals("169.254.169.254") ? "cloud metadata address" : "link-local address";
        }
        if (a.isSiteLocalAddress()) {
            return "private address";
        }
        if (a.isMulticastAddress()) {
            return "multicast address";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff;
            int o1 = b[1] & 0xff;
            if (o0 == 0 || o0 >= 240) {
                return "reserved address";
            }
            if (o0 == 100 && (o1 & 0xc0) == 64) {
                return "shared (CGNAT) address";
            }
            if (o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0) {
                return "IETF protocol address";
            }
            if (o0 == 198 && (o1 & 0xfe) == 18) {
                return "benchmarking address";
            }
            return null;
        }
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return "unique-local address";
            }
            if ((first == 0xfe) && ((b[1] & 0xc0) == 0xc0)) {
                return "site-local address";
            }
            // IPv4-compatible/mapped, NAT64 and 6to4 forms embed an IPv4 address: judge that.
            boolean zero10 = true;
            for (int i = 0; i < 10; i++) {
                zero10 &= b[i] == 0;
            }
            if (zero10 && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff))) {
                return embedded(b, 12);
            }
            if (first == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return embedded(b, 12);
            }
            if (first == 0x20 && b[1] == 0x02) {
                return embedded(b, 2);
            }
            if (first == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
                return "Teredo address";
            }
            return null;
        }
        return "unknown address family";
    }

    private static String embedded(byte[] b, int off) {
        try {
            InetAddress v4 = InetAddress.getByAddress(new byte[] {b[off], b[off + 1], b[off + 2], b[off + 3]});
            String why = nonPublic(v4);
            return why == null ? null : why + " (embedded in IPv6)";
        } catch (java.net.UnknownHostException e) {
            return "malformed address";
        }
    }

    /** True when host is an IPv4 or IPv6 literal (not a DNS name). */
    static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+") || host.matches("0x[0-9a-fA-F.x]+");
    }
}
