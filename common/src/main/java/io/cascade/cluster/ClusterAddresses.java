package io.cascade.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Works out the address a node binds its cluster port to and the one it tells others to use. */
final class ClusterAddresses {
  static final String ANY = "0.0.0.0";
  static final String LOOPBACK = "127.0.0.1";

  private ClusterAddresses() {
  }

  /**
   * {@code cluster.advertisedHost} when set; else {@code cluster.host} when it names one address
   * (a node bound to 127.0.0.1 cannot be reached anywhere else); else the first site-local IPv4
   * address that is not loopback, which is the pod IP in Kubernetes; else 127.0.0.1.
   */
  static String advertisedHost(ClusterSettings cluster) {
    if (!cluster.advertisedHost().isEmpty()) {
      return cluster.advertisedHost();
    }
    if (!isWildcard(cluster.host())) {
      return cluster.host();
    }
    return firstSiteLocalIpv4().orElse(LOOPBACK);
  }

  static boolean isWildcard(String host) {
    return host.equals(ANY) || host.equals("::") || host.equals("[::]");
  }

  /** Interfaces in index order, so every start of the same host picks the same address. */
  static Optional<String> firstSiteLocalIpv4() {
    try {
      List<NetworkInterface> interfaces = NetworkInterface.networkInterfaces()
          .filter(ClusterAddresses::usable)
          .sorted(Comparator.comparingInt(NetworkInterface::getIndex))
          .toList();
      for (NetworkInterface nif : interfaces) {
        Optional<String> address = nif.inetAddresses()
            .filter(a -> a instanceof Inet4Address && a.isSiteLocalAddress() && !a.isLoopbackAddress())
            .map(InetAddress::getHostAddress)
            .findFirst();
        if (address.isPresent()) {
          return address;
        }
      }
    } catch (SocketException e) {
      // No interface list: fall back to loopback, which still works for a single host.
    }
    return Optional.empty();
  }

  private static boolean usable(NetworkInterface nif) {
    try {
      return nif.isUp() && !nif.isLoopback();
    } catch (SocketException e) {
      return false;
    }
  }

  /**
   * The configured port, or for 0 a port that is free right now. Hazelcast has no "any port"
   * mode without auto-increment, so tests that start several members in one host ask here.
   */
  static int port(String bindHost, int configured) {
    if (configured != 0) {
      return configured;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(isWildcard(bindHost) ? ANY : bindHost, 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free cluster port on " + bindHost, e);
    }
  }

  /** {@code host:port}, with an IPv6 host in brackets as Hazelcast expects. */
  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }
}
