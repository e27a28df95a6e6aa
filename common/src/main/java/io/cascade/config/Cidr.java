package io.cascade.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network written as {@code address/prefix} ({@code 10.0.0.0/8}, {@code fd00::/8});
 * a bare address is the network of that one address. Parsing never resolves host names: only
 * address literals are accepted.
 */
public final class Cidr {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final byte[] network;
  private final int prefix;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Reads {@code text}; the address bits beyond the prefix must be zero, so that a typo such as
   * {@code 10.1.2.3/8} is an error instead of silently meaning {@code 10.0.0.0/8}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Cidr parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addressText = slash < 0 ? t : t.substring(0, slash);
    byte[] address = literal(addressText);
    int bits = address.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (!p.matches("\\d{1,3}")) {
        throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
      }
      prefix = Integer.parseInt(p);
      if (prefix > bits) {
        throw new IllegalArgumentException("'" + text + "' has a prefix longer than " + bits + " bits");
      }
    }
    byte[] masked = mask(address, prefix);
    if (!Arrays.equals(masked, address)) {
      throw new IllegalArgumentException("'" + text + "' has address bits set beyond its prefix");
    }
    return new Cidr(masked, prefix);
  }

  private static byte[] literal(String text) {
    // A literal with a colon is IPv6 and a dotted quad is IPv4: InetAddress parses both without a
    // name lookup. Anything else could be a host name, which must not be resolved here.
    if (IPV4.matcher(text).matches()) {
      byte[] v4 = new byte[4];
      String[] parts = text.split("\\.");
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(parts[i]);
        if (octet > 255) {
          throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
        v4[i] = (byte) octet;
      }
      return v4;
    }
    if (!(text.contains(":") && text.matches("[0-9A-Fa-f:.]+"))) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address");
    }
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address");
    }
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] &= (byte) (0xFF << (8 - keep));
    }
    return out;
  }

  /** Whether {@code address} is in this network; an IPv4-mapped IPv6 address counts as IPv4. */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    return Arrays.equals(mask(a, prefix), network);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
