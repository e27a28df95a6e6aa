package io.cascade.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed stream keys: a publish or play of {@code app/stream} carries
 * {@code ?exp=<unix seconds>&sig=<hex HMAC-SHA256(secret, "app/stream:exp")>}. The signature binds
 * the key and the expiry, so a URL handed to one broadcaster works for that stream only and only
 * until {@code exp}. Several secrets may be active at once (rotation): any of them verifies.
 */
public final class SignedKey {
  public static final String EXPIRES = "exp";
  public static final String SIGNATURE = "sig";
  private static final HexFormat HEX = HexFormat.of();
  /** HMAC-SHA256 in hex. */
  private static final int SIGNATURE_HEX_LENGTH = 64;

  /** The outcome of a check; the names are the reason tokens of logs and metrics. */
  public enum Verdict {
    VALID("valid", "valid"),
    MISSING("signature_missing", "a signed stream key (exp and sig) is required"),
    MALFORMED("signature_malformed", "exp or sig is malformed"),
    EXPIRED("signature_expired", "the stream key has expired"),
    INVALID("signature_invalid", "the signature does not match");

    private final String reason;
    private final String description;

    Verdict(String reason, String description) {
      this.reason = reason;
      this.description = description;
    }

    public String reason() {
      return reason;
    }

    /** What the client is told; never contains the signature or a secret. */
    public String description() {
      return description;
    }
  }

  private SignedKey() {
  }

  /** The signature of {@code key} ({@code app/stream}) valid until {@code expiresAtSeconds}. */
  public static String sign(String secret, String key, long expiresAtSeconds) {
    return HEX.formatHex(mac(secret, key, expiresAtSeconds));
  }

  /** The query string a client appends to its stream name: {@code exp=...&sig=...}. */
  public static String query(String secret, String key, long expiresAtSeconds) {
    return EXPIRES + "=" + expiresAtSeconds + "&" + SIGNATURE + "=" + sign(secret, key, expiresAtSeconds);
  }

  /** Checks the {@code exp} and {@code sig} parameters of {@code query} against every secret. */
  public static Verdict verify(List<String> secrets, String key, Map<String, String> query, long nowSeconds) {
    String expText = query.get(EXPIRES);
    String sigText = query.get(SIGNATURE);
    if (expText == null && sigText == null) {
      return Verdict.MISSING;
    }
    if (expText == null || sigText == null || !expText.matches("\\d{1,12}") || sigText.length() != SIGNATURE_HEX_LENGTH) {
      return Verdict.MALFORMED;
    }
    byte[] sig;
    try {
      sig = HEX.parseHex(sigText);
    } catch (IllegalArgumentException e) {
      return Verdict.MALFORMED;
    }
    long exp = Long.parseLong(expText);
    boolean matches = false;
    for (String secret : secrets) {
      // Every secret is tried, so the time taken does not tell which one matched.
      matches |= !secret.isEmpty() && MessageDigest.isEqual(sig, mac(secret, key, exp));
    }
    if (!matches) {
      return Verdict.INVALID;
    }
    return exp < nowSeconds ? Verdict.EXPIRED : Verdict.VALID;
  }

  private static byte[] mac(String secret, String key, long exp) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal((key + ":" + exp).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
