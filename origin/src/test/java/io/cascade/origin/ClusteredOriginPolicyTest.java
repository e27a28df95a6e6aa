package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.RelayToken;
import io.cascade.server.SessionPolicy;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Relay pulls need a token signed with the cluster secret; plain plays only when local playback is on. */
class ClusteredOriginPolicyTest {
  private static final List<String> SECRETS = List.of("current-secret", "previous-secret");

  private static ClusteredOriginPolicy policy(boolean localPlayback) {
    return new ClusteredOriginPolicy(null, null, null, "origin-a", "127.0.0.1", () -> 1935, SECRETS, localPlayback);
  }

  private static SessionPolicy.Request play(String key, Map<String, String> query) {
    int slash = key.indexOf('/');
    return new SessionPolicy.Request(key.substring(0, slash), key.substring(slash + 1), key, query, "127.0.0.1:5000", 1);
  }

  private static String refusal(Future<Void> f) {
    assertThat(f.failed()).as("refused").isTrue();
    assertThat(f.cause()).isInstanceOf(SessionPolicy.Refused.class);
    return ((SessionPolicy.Refused) f.cause()).reason();
  }

  @Test
  void largerEpochOutranksThenSessionIdBreaksTies() {
    var older = new io.cascade.cluster.StreamRecord("live/a", "m1", "a", "h", 1, "s-1", 100, 100, "", "");
    var newer = new io.cascade.cluster.StreamRecord("live/a", "m2", "b", "h", 1, "s-0", 101, 101, "", "");
    var tie = new io.cascade.cluster.StreamRecord("live/a", "m3", "c", "h", 1, "s-2", 100, 100, "", "");
    assertThat(newer.outranks(older)).isTrue();
    assertThat(older.outranks(newer)).isFalse();
    assertThat(tie.outranks(older)).isTrue();
    assertThat(older.outranks(tie)).isFalse();
  }

  @Test
  void plainPlayersAllowedOnlyWithLocalPlayback() {
    assertThat(policy(true).admitPlay(play("live/a", Map.of())).succeeded()).isTrue();
    assertThat(refusal(policy(false).admitPlay(play("live/a", Map.of())))).isEqualTo("relay_auth_required");
  }

  @Test
  void validTokenFromEitherSecretIsAccepted() {
    long exp = System.currentTimeMillis() / 1000 + 60;
    for (String secret : SECRETS) {
      String token = RelayToken.sign(secret, "live/a", exp);
      assertThat(policy(false).admitPlay(play("live/a", Map.of(RelayToken.PARAMETER, token))).succeeded()).isTrue();
    }
  }

  @Test
  void wrongSecretWrongKeyExpiredOrGarbledTokensAreRefused() {
    long now = System.currentTimeMillis() / 1000;
    List<String> bad = List.of(
        RelayToken.sign("not-the-secret", "live/a", now + 60),
        RelayToken.sign("current-secret", "live/other", now + 60),
        RelayToken.sign("current-secret", "live/a", now - 1),
        "12345.zz",
        "",
        "x".repeat(500));
    for (String token : bad) {
      for (boolean local : new boolean[] {true, false}) {
        assertThat(refusal(policy(local).admitPlay(play("live/a", Map.of(RelayToken.PARAMETER, token)))))
            .as(token).isEqualTo("relay_auth_failed");
      }
    }
  }
}
