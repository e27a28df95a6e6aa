package io.cascade.server;

import io.cascade.rtmp.media.RtmpChunkPackager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The message streams of one server connection: the ids createStream handed out (at most
 * {@link RtmpServerSettings#MAX_STREAMS_PER_CONNECTION}), and the publish or play on each, or the
 * request still waiting for its admission. Used on the connection's event loop.
 */
final class NetStreams {
  private final List<Integer> created = new ArrayList<>();
  private final Map<Integer, PublishSession> publishing = new HashMap<>();
  private final Map<Integer, PlaySession> playing = new HashMap<>();
  /** Stream ids whose publish or play waits for the policy's answer. */
  private final Set<Integer> pending = new HashSet<>();

  /** A new stream id, the lowest free one; -1 when the connection has as many as it may. */
  int create() {
    if (created.size() >= RtmpServerSettings.MAX_STREAMS_PER_CONNECTION) {
      return -1;
    }
    // The first id is the one live frames are encoded for once and shared by every player.
    int sid = RtmpChunkPackager.SHARED_STREAM_ID;
    while (created.contains(sid)) {
      sid++;
    }
    created.add(sid);
    return sid;
  }

  void delete(int streamId) {
    created.remove(Integer.valueOf(streamId));
  }

  /** Whether a publish or play may begin on {@code streamId}: created, and nothing on it yet. */
  boolean isFree(int streamId) {
    return created.contains(streamId) && !publishing.containsKey(streamId) && !playing.containsKey(streamId)
        && !pending.contains(streamId);
  }

  /** Marks {@code streamId} as waiting for admission, or ({@code false}) no longer. */
  void pending(int streamId, boolean waiting) {
    if (waiting) {
      pending.add(streamId);
    } else {
      pending.remove(streamId);
    }
  }

  /**
   * The publish media on {@code streamId} belongs to. Some encoders send media on stream 0 or a
   * stale id; with one publish on the connection there is no doubt.
   */
  PublishSession publisherFor(int streamId) {
    PublishSession p = publishing.get(streamId);
    if (p == null && publishing.size() == 1) {
      p = publishing.values().iterator().next();
    }
    return p;
  }

  PublishSession publishing(int streamId) {
    return publishing.get(streamId);
  }

  PlaySession playing(int streamId) {
    return playing.get(streamId);
  }

  void add(PublishSession session) {
    publishing.put(session.streamId(), session);
  }

  void add(PlaySession session) {
    playing.put(session.streamId(), session);
  }

  PublishSession removePublish(int streamId) {
    return publishing.remove(streamId);
  }

  PlaySession removePlay(int streamId) {
    return playing.remove(streamId);
  }

  Collection<PublishSession> publishers() {
    return publishing.values();
  }

  Collection<PlaySession> players() {
    return playing.values();
  }

  /** Forgets every publish and play; the connection stopped them. */
  void clear() {
    publishing.clear();
    playing.clear();
  }
}
