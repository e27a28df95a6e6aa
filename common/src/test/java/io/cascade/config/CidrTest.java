package io.cascade.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class CidrTest {

  @Test
  void ipv4NetworksContainTheirAddressesOnly() throws Exception {
    Cidr net = Cidr.parse("10.1.0.0/16");
    assertThat(net.contains(InetAddress.getByName("10.1.0.0"))).isTrue();
    assertThat(net.contains(InetAddress.getByName("10.1.255.255"))).isTrue();
    assertThat(net.contains(InetAddress.getByName("10.2.0.1"))).isFalse();
    assertThat(net.contains(InetAddress.getByName("::1"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9"))).isTrue();
  }

  @Test
  void oddPrefixLengthsCutInsideAByte() throws Exception {
    Cidr net = Cidr.parse("192.168.1.128/25");
    assertThat(net.contains(InetAddress.getByName("192.168.1.200"))).isTrue();
    assertThat(net.contains(InetAddress.getByName("192.168.1.127"))).isFalse();
  }

  @Test
  void aBareAddressIsThatAddressAlone() throws Exception {
    Cidr one = Cidr.parse("127.0.0.1");
    assertThat(one).isEqualTo(Cidr.parse("127.0.0.1/32"));
    assertThat(one.contains(InetAddress.getByName("127.0.0.1"))).isTrue();
    assertThat(one.contains(InetAddress.getByName("127.0.0.2"))).isFalse();
  }

  @Test
  void ipv6NetworksWork() throws Exception {
    Cidr net = Cidr.parse("2001:db8::/32");
    assertThat(net.contains(InetAddress.getByName("2001:db8:1::5"))).isTrue();
    assertThat(net.contains(InetAddress.getByName("2001:db9::5"))).isFalse();
    assertThat(net.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
    assertThat(Cidr.parse("::1").contains(InetAddress.getByName("::1"))).isTrue();
  }

  @Test
  void anIpv4MappedAddressCountsAsIpv4() throws Exception {
    assertThat(Cidr.parse("10.0.0.0/8").contains(InetAddress.getByName("::ffff:10.2.3.4"))).isTrue();
  }

  @Test
  void writtenFormReadsBackEqual() {
    for (String text : new String[] {"10.0.0.0/8", "192.168.1.128/25", "2001:db8::/32", "::1"}) {
      Cidr c = Cidr.parse(text);
      assertThat(Cidr.parse(c.toString())).isEqualTo(c);
    }
  }

  @Test
  void refusesWhatIsNotAnAddressLiteralWithoutLookingItUp() {
    for (String bad : new String[] {"localhost", "example.com/24", "abc", "10.0.0/8", "10.0.0.0/33", "::/129",
        "10.0.0.0/", "10.0.0.0/x", "10.0.0.256", ""}) {
      assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void refusesHostBitsBeyondThePrefix() {
    assertThatThrownBy(() -> Cidr.parse("10.1.2.3/8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond its prefix");
  }
}
