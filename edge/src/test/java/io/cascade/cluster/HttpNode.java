package io.cascade.cluster;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;

/** A node whose HTTP API the tests read: a JVM ({@link ClusterProcess}) or a container ({@link ContainerNode}). */
interface HttpNode {
  String node();

  /** The response of a GET, or null when the node does not answer (refused, timed out). */
  HttpResponse<String> get(String path);

  /** GET of a JSON object that must answer 200; throws AssertionError otherwise. */
  JsonObject getJson(String path);
}
