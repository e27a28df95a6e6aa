package io.cascade.edge;

import io.cascade.cluster.RelayToken;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.server.SessionPolicy;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admission on an edge: players are always let in (a stream that is not live yet makes them
 * wait while the ingest looks for its owner); publishes are refused, since an edge's streams
 * come from the origins and a local publisher would shadow the cluster's stream of that key.
 *
 * <p>A play signed with a valid relay token is a leaf edge pulling through this (parent) edge:
 * it counts as a relay, not a player, and play authentication does not apply to it, as on an
 * origin. It stays a relay until it ends, even once its token has expired.
 */
final class EdgePolicy implements SessionPolicy {
  private final List<String> secrets;
  /** Relay plays in progress; bounded by the node's plays. */
  private final Set<Request> relays = ConcurrentHashMap.newKeySet();

  /** @param secrets the cluster secrets that sign relay tokens (empty: no play is a relay) */
  EdgePolicy(List<String> secrets) {
    this.secrets = List.copyOf(secrets);
  }

  @Override
  public Future<Void> admitPublish(Request request, PublishHandle handle) {
    return Future.failedFuture(new Refused(NetStatus.PUBLISH_BAD_NAME, "publish_on_edge",
        "this node is an edge: publish " + request.key() + " to an origin"));
  }

  @Override
  public Future<Void> admitPlay(Request request) {
    if (validToken(request)) {
      relays.add(request);
    }
    return Future.succeededFuture();
  }

  @Override
  public void playEnded(Request request) {
    relays.remove(request);
  }

  @Override
  public boolean isRelay(Request request) {
    return relays.contains(request) || validToken(request);
  }

  private boolean validToken(Request request) {
    String token = request.query().get(RelayToken.PARAMETER);
    return token != null && !secrets.isEmpty()
        && RelayToken.verify(secrets, request.key(), token, System.currentTimeMillis() / 1000);
  }
}
