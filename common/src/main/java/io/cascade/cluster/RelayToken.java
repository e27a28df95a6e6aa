package io.cascade.cluster;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof that a play request comes from a member of the cluster: edges add
 * {@code ?cascade_relay=<exp>.<hex HMAC-SHA256(secret, "relay:" + key + ":" + exp)>} to the stream
 * name when they pull from an origin, and origins refuse relay pulls whose token is missing,
 * expired or wrong. The key binds a token to one stream; the expiry bounds replay.
 */
public final class RelayToken {
  /** Query parameter carrying the token. */
  public static final String PARAMETER = "cascade_relay";
  private static final HexFormat HEX = HexFormat.of();

  private RelayToken() {
  }

  public static String sign(String secret, String key, long expiresAtSeconds) {
    return expiresAtSeconds + "." + HEX.formatHex(mac(secret, key, expiresAtSeconds));
  }

  /** True when {@code token} was signed by one of {@code secrets} for {@code key} and has not expired. */
  public static boolean verify(List<String> secrets, String key, String token, long nowSeconds) {
    if (token == null || token.length() > 200) {
      return false;
    }
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    long exp;
    byte[] sig;
    try {
      exp = Long.parseLong(token.substring(0, dot));
      sig = HEX.parseHex(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (exp < nowSeconds) {
      return false;
    }
    for (String secret : secrets) {
      if (!secret.isEmpty() && MessageDigest.isEqual(sig, mac(secret, key, exp))) {
        return true;
      }
    }
    return false;
  }

  private static byte[] mac(String secret, String key, long exp) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(("relay:" + key + ":" + exp).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
