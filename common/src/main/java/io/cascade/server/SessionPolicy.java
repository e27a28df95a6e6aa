package io.cascade.server;

import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import java.util.Map;

/**
 * Decides whether a publish or play may start and hears when a publish ends. The lone origin
 * allows everything; a clustered origin claims the key in the registry; an edge checks nothing
 * here (its streams come from upstream); authentication plugs in here too.
 *
 * <p>Futures may complete on any thread; the connection continues on its own event loop.
 */
public interface SessionPolicy {

  SessionPolicy ALLOW_ALL = new SessionPolicy() {
  };

  /** A publish or play request as the connection saw it. */
  record Request(String app, String name, String key, Map<String, String> query, String peer, long connectionId) {
  }

  /** A live publish the policy may later revoke (e.g. its registry claim was lost). */
  interface PublishHandle {
    String key();

    /** Ends the publish with an error status; safe from any thread. */
    void revoke(String code, String description, String reason);

    /**
     * The event loop the publish's frames enter the live stream on, or null when unknown: work
     * that follows every frame (a recording) is cheapest there, handed over without waking
     * another thread.
     */
    default EventLoop eventLoop() {
      return null;
    }
  }

  /** Refusal with the status the client gets and a reason token for logs and metrics. */
  final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String reason;

    public Refused(String code, String reason, String description) {
      super(description, null, false, false);
      this.code = code;
      this.reason = reason;
    }

    public String code() {
      return code;
    }

    public String reason() {
      return reason;
    }
  }

  /** Completes when the publish may start; fails with {@link Refused} otherwise. */
  default Future<Void> admitPublish(Request request, PublishHandle handle) {
    return Future.succeededFuture();
  }

  /** The publish that was admitted has ended (unpublish, disconnect, revoke). */
  default void publishEnded(Request request, PublishHandle handle) {
  }

  /** Completes when the play may start; fails with {@link Refused} otherwise. */
  default Future<Void> admitPlay(Request request) {
    return Future.succeededFuture();
  }

  /** A play that was admitted has ended (closed by the player, refused by a limit, disconnect). */
  default void playEnded(Request request) {
  }

  /**
   * Whether an admitted play is another Cascade node pulling the stream (an edge's relay): it is
   * counted apart from players and gets the origin's clock stamps.
   */
  default boolean isRelay(Request request) {
    return false;
  }
}
