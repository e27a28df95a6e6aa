package io.cascade.server;

import io.cascade.live.StreamManager;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.RtmpUri;
import io.cascade.rtmp.message.NetStatus;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a publish or play may start: first the {@link SessionPolicy} (authentication, the
 * cluster's claim on the key), then the node's limits in the {@link StreamManager}. Every refusal
 * is worded here, once: the NetStatus code and description the client gets, and the reason token
 * the connection closes with (its log line, the closed-connections metric and its limits).
 * Tests and operators match these strings; change them only on purpose.
 *
 * <p>One per connection, used on its event loop.
 */
final class Admission {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.rtmp");

  /**
   * Why a request was refused.
   *
   * @param code NetStatus code of the error the client gets
   * @param description its description
   * @param reason the close reason token
   * @param detail what the close log line says
   */
  record Refusal(String code, String description, String reason, String detail) {
  }

  private final StreamManager streams;
  private final SessionPolicy policy;
  private final RtmpMetrics metrics;

  Admission(StreamManager streams, SessionPolicy policy, RtmpMetrics metrics) {
    this.streams = streams;
    this.policy = policy;
    this.metrics = metrics;
  }

  /** connect with an empty or overlong {@code app}; answered with {@code _error}. */
  static Refusal badApp(String rawApp) {
    return new Refusal(NetStatus.CONNECT_REJECTED, "invalid application name", "bad_app",
        "app=\"" + RtmpUri.truncate(rawApp) + "\"");
  }

  /** publish without a name, or on a stream id not created or already in use. */
  static Refusal badPublish(int streamId, String name) {
    return new Refusal(NetStatus.PUBLISH_BAD_NAME, "invalid publish request", "bad_publish",
        "stream id " + streamId + " name \"" + RtmpUri.truncate(name) + "\"");
  }

  /** play without a name, or on a stream id not created or already in use. */
  static Refusal badPlay(int streamId, String name) {
    return new Refusal(NetStatus.PLAY_FAILED, "invalid play request", "bad_play",
        "stream id " + streamId + " name \"" + RtmpUri.truncate(name) + "\"");
  }

  /** Asks the policy; completes on any thread, fails with {@link SessionPolicy.Refused} or an error. */
  Future<Void> askPublish(PublishSession session) {
    return policy.admitPublish(session.request(), session);
  }

  /** Asks the policy; completes on any thread, fails with {@link SessionPolicy.Refused} or an error. */
  Future<Void> askPlay(SessionPolicy.Request request) {
    return policy.admitPlay(request);
  }

  boolean isRelay(SessionPolicy.Request request) {
    return policy.isRelay(request);
  }

  /**
   * The refusal for a policy that said no ({@link SessionPolicy.Refused}: its code, reason and
   * words, counted as an auth failure) or failed (logged, the client told to try later).
   */
  Refusal refused(Throwable cause, boolean publish, SessionPolicy.Request request) {
    if (cause instanceof SessionPolicy.Refused r) {
      metrics.authFailure(publish ? "publish" : "play", r.reason());
      return new Refusal(r.code(), r.getMessage(), r.reason(), r.getMessage());
    }
    LOG.warn("event=admission_error peer={} conn={} stream={} detail=\"{}\"", request.peer(),
        request.connectionId(), request.key(), String.valueOf(cause));
    String description = "cannot start " + request.key() + " now";
    return publish
        ? new Refusal(NetStatus.PUBLISH_BAD_NAME, description, "publish_rejected", description)
        : new Refusal(NetStatus.PLAY_FAILED, description, "play_rejected", description);
  }

  /**
   * Makes {@code session} the publisher of its key, after the policy admitted it; or refuses (the
   * key has a publisher, or the node has live.maxStreams streams) and tells the policy it ended.
   */
  Refusal startPublish(PublishSession session) {
    StreamManager.PublishResult result = streams.publish(session.key(), session);
    if (result.accepted()) {
      session.start(result.stream());
      return null;
    }
    policy.publishEnded(session.request(), session);
    if (result.refusal() == StreamManager.PublishRefusal.ALREADY_PUBLISHING) {
      String why = "stream " + session.key() + " is already being published";
      return new Refusal(NetStatus.PUBLISH_BAD_NAME, why, "publish_rejected", why);
    }
    String why = "node stream limit reached (live.maxStreams)";
    return new Refusal(NetStatus.PUBLISH_BAD_NAME, why, "max_streams", why);
  }

  /** The policy no longer counts an admitted publish (unpublish, disconnect, refused by a limit). */
  void publishEnded(PublishSession session) {
    policy.publishEnded(session.request(), session);
  }

  /**
   * Subscribes {@code session}, after the policy admitted it; or refuses by the node's limits,
   * stops the session and tells the policy it ended.
   */
  Refusal startPlay(PlaySession session) {
    String limit = session.start();
    if (limit == null) {
      return null;
    }
    session.stop();
    policy.playEnded(session.request());
    String why = switch (limit) {
      case "max_streams" -> "node stream limit reached (live.maxStreams)";
      case "max_waiting_players" -> "too many players wait for streams that are not live (live.maxWaitingPlayers)";
      default -> "player limit of " + session.key() + " reached (live.maxPlayersPerStream)";
    };
    return new Refusal(NetStatus.PLAY_FAILED, why, limit, why);
  }

  /** The policy no longer counts an admitted play. */
  void playEnded(PlaySession session) {
    policy.playEnded(session.request());
  }
}
