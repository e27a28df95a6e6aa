package io.cascade.cluster;

import io.vertx.core.json.JsonObject;

/**
 * The registry's entry for one live stream: who owns it and where edges pull it from.
 *
 * @param key {@code app/stream}
 * @param ownerMember cluster member id of the owning origin ({@code ClusterNode.memberId()}, stable for the life of
 *     the process, unlike Hazelcast's member UUID, which changes after a split-brain merge); liveness is judged by
 *     membership
 * @param ownerNode the owning origin's node id (for people and logs)
 * @param relayHost address edges connect to for this stream (the origin's advertised host)
 * @param relayPort the origin's RTMP port
 * @param sessionId unique per publish session; a record is released only by the session that wrote it
 * @param epoch fencing number: a takeover always writes a larger epoch than the record it replaces
 * @param startedAt publish start, epoch milliseconds
 * @param videoCodec codec summary from the stream ("" until known)
 * @param audioCodec codec summary from the stream ("" until known)
 */
public record StreamRecord(
    String key,
    String ownerMember,
    String ownerNode,
    String relayHost,
    int relayPort,
    String sessionId,
    long epoch,
    long startedAt,
    String videoCodec,
    String audioCodec) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("key", key)
        .put("ownerMember", ownerMember)
        .put("ownerNode", ownerNode)
        .put("relayHost", relayHost)
        .put("relayPort", relayPort)
        .put("sessionId", sessionId)
        .put("epoch", epoch)
        .put("startedAt", startedAt)
        .put("videoCodec", videoCodec)
        .put("audioCodec", audioCodec);
  }

  public static StreamRecord fromJson(JsonObject j) {
    return new StreamRecord(j.getString("key"), j.getString("ownerMember"), j.getString("ownerNode"),
        j.getString("relayHost"), j.getInteger("relayPort", 0), j.getString("sessionId"), j.getLong("epoch", 0L),
        j.getLong("startedAt", 0L), j.getString("videoCodec", ""), j.getString("audioCodec", ""));
  }

  /** The same record with a new codec summary. */
  public StreamRecord withCodecs(String video, String audio) {
    return new StreamRecord(key, ownerMember, ownerNode, relayHost, relayPort, sessionId, epoch, startedAt, video, audio);
  }

  /** The same session reached at another address (a leaf edge pulling it through a parent edge). */
  public StreamRecord withRelay(String host, int port) {
    return new StreamRecord(key, ownerMember, ownerNode, host, port, sessionId, epoch, startedAt, videoCodec, audioCodec);
  }

  /** The same record with another epoch (a takeover fences the record it replaces). */
  public StreamRecord withEpoch(long newEpoch) {
    return new StreamRecord(key, ownerMember, ownerNode, relayHost, relayPort, sessionId, newEpoch, startedAt, videoCodec,
        audioCodec);
  }

  /**
   * Whether this claim beats {@code other} for the same key: the larger epoch wins, then the larger
   * session id. Origins and edges apply the same rule, so after a split brain or a frozen origin's
   * return they all settle on one owner whatever order the registry events arrive in.
   */
  public boolean outranks(StreamRecord other) {
    if (epoch != other.epoch) {
      return epoch > other.epoch;
    }
    return sessionId.compareTo(other.sessionId) > 0;
  }

  /** True when both records describe the same publish session. */
  public boolean sameSession(StreamRecord other) {
    return other != null && sessionId.equals(other.sessionId) && key.equals(other.key);
  }
}
