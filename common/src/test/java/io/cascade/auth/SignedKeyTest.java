package io.cascade.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.auth.SignedKey.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SignedKeyTest {
  private static final long NOW = 1_800_000_000L;
  private static final String KEY = "live/cam1";

  @Test
  void signatureIsHexHmacSha256OfKeyColonExpiry() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected = HexFormat.of().formatHex(mac.doFinal("live/cam1:1800000060".getBytes(StandardCharsets.UTF_8)));
    assertThat(SignedKey.sign("s3cret", KEY, NOW + 60)).isEqualTo(expected).hasSize(64);
    assertThat(SignedKey.query("s3cret", KEY, NOW + 60)).isEqualTo("exp=1800000060&sig=" + expected);
  }

  @Test
  void validUntilItsExpiry() {
    Map<String, String> q = query("s3cret", KEY, NOW + 60);
    assertThat(SignedKey.verify(List.of("s3cret"), KEY, q, NOW)).isEqualTo(Verdict.VALID);
    assertThat(SignedKey.verify(List.of("s3cret"), KEY, q, NOW + 60)).isEqualTo(Verdict.VALID);
    assertThat(SignedKey.verify(List.of("s3cret"), KEY, q, NOW + 61)).isEqualTo(Verdict.EXPIRED);
  }

  @Test
  void anyActiveSecretVerifiesDuringRotation() {
    assertThat(SignedKey.verify(List.of("new", "old"), KEY, query("old", KEY, NOW + 60), NOW)).isEqualTo(Verdict.VALID);
    assertThat(SignedKey.verify(List.of("new", "old"), KEY, query("new", KEY, NOW + 60), NOW)).isEqualTo(Verdict.VALID);
    assertThat(SignedKey.verify(List.of("new"), KEY, query("old", KEY, NOW + 60), NOW)).isEqualTo(Verdict.INVALID);
  }

  @Test
  void signatureIsBoundToTheKeyAndTheExpiry() {
    Map<String, String> q = query("s3cret", KEY, NOW + 60);
    assertThat(SignedKey.verify(List.of("s3cret"), "live/cam2", q, NOW)).isEqualTo(Verdict.INVALID);
    assertThat(SignedKey.verify(List.of("s3cret"), "other/cam1", q, NOW)).isEqualTo(Verdict.INVALID);
    Map<String, String> extended = Map.of("exp", Long.toString(NOW + 3600), "sig", q.get("sig"));
    assertThat(SignedKey.verify(List.of("s3cret"), KEY, extended, NOW)).isEqualTo(Verdict.INVALID);
  }

  @Test
  void anExpiredKeyWithAWrongSignatureIsInvalidNotExpired() {
    Map<String, String> q = query("wrong", KEY, NOW - 10);
    assertThat(SignedKey.verify(List.of("s3cret"), KEY, q, NOW)).isEqualTo(Verdict.INVALID);
  }

  @Test
  void missingAndMalformedParametersAreToldApart() {
    List<String> secrets = List.of("s3cret");
    String sig = SignedKey.sign("s3cret", KEY, NOW + 60);
    assertThat(SignedKey.verify(secrets, KEY, Map.of(), NOW)).isEqualTo(Verdict.MISSING);
    assertThat(SignedKey.verify(secrets, KEY, Map.of("exp", "1800000060"), NOW)).isEqualTo(Verdict.MALFORMED);
    assertThat(SignedKey.verify(secrets, KEY, Map.of("sig", sig), NOW)).isEqualTo(Verdict.MALFORMED);
    assertThat(SignedKey.verify(secrets, KEY, Map.of("exp", "soon", "sig", sig), NOW)).isEqualTo(Verdict.MALFORMED);
    assertThat(SignedKey.verify(secrets, KEY, Map.of("exp", "-5", "sig", sig), NOW)).isEqualTo(Verdict.MALFORMED);
    assertThat(SignedKey.verify(secrets, KEY, Map.of("exp", "99999999999999999999", "sig", sig), NOW))
        .isEqualTo(Verdict.MALFORMED);
    assertThat(SignedKey.verify(secrets, KEY, Map.of("exp", "1800000060", "sig", sig.substring(2)), NOW))
        .isEqualTo(Verdict.MALFORMED);
    assertThat(SignedKey.verify(secrets, KEY, Map.of("exp", "1800000060", "sig", "zz" + sig.substring(2)), NOW))
        .isEqualTo(Verdict.MALFORMED);
  }

  @Test
  void descriptionsNeverQuoteTheSignature() {
    for (Verdict v : Verdict.values()) {
      assertThat(v.description()).doesNotContain("=").doesNotContainPattern("[0-9a-f]{16}");
    }
  }

  private static Map<String, String> query(String secret, String key, long exp) {
    return Map.of("exp", Long.toString(exp), "sig", SignedKey.sign(secret, key, exp));
  }
}
