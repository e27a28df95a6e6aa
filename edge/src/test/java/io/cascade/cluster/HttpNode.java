package io.cascade.cluster;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A node whose HTTP API the tests read: a JVM ({@link ClusterProcess}) or a container ({@link ContainerNode}). */
interface HttpNode {
  HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  Duration HTTP_TIMEOUT = Duration.ofSeconds(5);

  String node();

  /** The node's HTTP port on loopback. */
  int httpPort();

  /** The response of a GET, or null when the node does not answer (refused, timed out). */
  default HttpResponse<String> get(String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path))
        .timeout(HTTP_TIMEOUT).GET().build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** HTTP status of a GET on this node, or -1 when it does not answer within the timeout. */
  default int status(String path) {
    HttpResponse<String> r = get(path);
    return r == null ? -1 : r.statusCode();
  }

  /** GET of a JSON object that must answer 200; throws AssertionError with the body otherwise. */
  default JsonObject getJson(String path) {
    HttpResponse<String> r = get(path);
    if (r == null) {
      throw new AssertionError(node() + " did not answer GET " + path);
    }
    if (r.statusCode() != 200) {
      throw new AssertionError(node() + " GET " + path + " -> " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }
}
