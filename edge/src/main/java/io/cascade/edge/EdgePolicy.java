package io.cascade.edge;

import io.cascade.rtmp.message.NetStatus;
import io.cascade.server.SessionPolicy;
import io.vertx.core.Future;

/**
 * Admission on an edge: players are always let in (a stream that is not live yet makes them
 * wait while the ingest looks for its owner); publishes are refused, since an edge's streams
 * come from the origins and a local publisher would shadow the cluster's stream of that key.
 */
final class EdgePolicy implements SessionPolicy {
  @Override
  public Future<Void> admitPublish(Request request, PublishHandle handle) {
    return Future.failedFuture(new Refused(NetStatus.PUBLISH_BAD_NAME, "publish_on_edge",
        "this node is an edge: publish " + request.key() + " to an origin"));
  }
}
