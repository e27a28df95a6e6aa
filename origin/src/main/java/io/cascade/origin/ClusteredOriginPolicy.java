package io.cascade.origin;

import io.cascade.cluster.RelayToken;
import io.cascade.cluster.StreamRecord;
import io.cascade.cluster.StreamRegistry;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamInfo;
import io.cascade.live.StreamManager;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.server.SessionPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The origin's side of the registry. A publish starts only after its key is claimed cluster-wide
 * (a live key on any origin → NetStream.Publish.BadName); its record is released when it ends.
 * While it runs, the claim is watched: if another live session's record shows up under our key (a
 * split brain healed, or a takeover while we were frozen) the session with the larger epoch keeps
 * the key and the other origin disconnects its publisher with a clear status; if our record
 * vanished (survivors declared us dead) we claim again. Relay pulls from edges must carry a valid
 * {@link RelayToken}.
 */
final class ClusteredOriginPolicy implements SessionPolicy {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.origin");

  private final Vertx vertx;
  private final StreamRegistry registry;
  private final StreamManager streams;
  private final String nodeId;
  private final String relayHost;
  private final IntSupplier relayPort;
  private final List<String> secrets;
  private final boolean localPlayback;
  private final Map<PublishHandle, Claim> claims = new ConcurrentHashMap<>();
  private long timer = -1;

  /** One admitted publish: its record as last written and its watch. */
  private static final class Claim {
    volatile StreamRecord record;
    volatile StreamRegistry.Watch watch;
    volatile boolean ended;

    Claim(StreamRecord record) {
      this.record = record;
    }
  }

  ClusteredOriginPolicy(Vertx vertx, StreamRegistry registry, StreamManager streams, String nodeId, String relayHost,
      IntSupplier relayPort, List<String> secrets, boolean localPlayback) {
    this.vertx = vertx;
    this.registry = registry;
    this.streams = streams;
    this.nodeId = nodeId;
    this.relayHost = relayHost;
    this.relayPort = relayPort;
    this.secrets = secrets;
    this.localPlayback = localPlayback;
  }

  /** Starts the periodic check of own claims (a safety net beside the entry events). */
  void start(Duration checkInterval) {
    timer = vertx.setPeriodic(checkInterval.toMillis(), id -> verifyAll());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * Gives up every claim still held (the node is draining): each record is removed if it is still
   * ours. Completes with the number released once the registry has answered for all.
   */
  Future<Integer> releaseAll() {
    List<Future<Void>> releases = new ArrayList<>();
    for (PublishHandle handle : List.copyOf(claims.keySet())) {
      Claim c = claims.remove(handle);
      if (c == null) {
        continue;
      }
      c.ended = true;
      if (c.watch != null) {
        c.watch.cancel();
      }
      releases.add(registry.release(c.record).onFailure(e ->
          LOG.warn("event=registry.release_failed stream={} detail=\"{}\"", c.record.key(), e.toString())));
    }
    return Future.join(releases).transform(ar -> Future.succeededFuture(releases.size()));
  }

  @Override
  public Future<Void> admitPublish(Request request, PublishHandle handle) {
    long now = System.currentTimeMillis();
    StreamRecord proposed = new StreamRecord(request.key(), registry.localMember(), nodeId, relayHost,
        relayPort.getAsInt(), UUID.randomUUID().toString(), now, now, "", "");
    return registry.claim(proposed).compose(claim -> {
      if (!claim.granted()) {
        StreamRecord holder = claim.current();
        return Future.failedFuture(new Refused(NetStatus.PUBLISH_BAD_NAME, "publish_rejected",
            "stream " + request.key() + " is already published on node " + holder.ownerNode()));
      }
      Claim c = new Claim(claim.current());
      claims.put(handle, c);
      LOG.info("event=registry.claim stream={} outcome={} epoch={} peer={}", request.key(),
          claim.outcome().name().toLowerCase(), claim.current().epoch(), request.peer());
      vertx.runOnContext(v -> {
        if (!c.ended) {
          c.watch = registry.watch(request.key(), rec -> onRecord(handle, c, rec));
        }
      });
      return Future.<Void>succeededFuture();
    });
  }

  @Override
  public void publishEnded(Request request, PublishHandle handle) {
    Claim c = claims.remove(handle);
    if (c == null) {
      return;
    }
    c.ended = true;
    if (c.watch != null) {
      c.watch.cancel();
    }
    registry.release(c.record).onFailure(e ->
        LOG.warn("event=registry.release_failed stream={} detail=\"{}\"", request.key(), e.toString()));
  }

  @Override
  public Future<Void> admitPlay(Request request) {
    String token = request.query().get(RelayToken.PARAMETER);
    if (token == null) {
      return localPlayback ? Future.succeededFuture() : Future.failedFuture(new Refused(NetStatus.PLAY_FAILED,
          "relay_auth_required", "this origin serves edges only; play " + request.key() + " from an edge"));
    }
    if (RelayToken.verify(secrets, request.key(), token, System.currentTimeMillis() / 1000)) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new Refused(NetStatus.PLAY_FAILED, "relay_auth_failed",
        "relay pull of " + request.key() + " refused: invalid or expired cluster token"));
  }

  /** Admitted with a token, which admission verified. */
  @Override
  public boolean isRelay(Request request) {
    return request.query().containsKey(RelayToken.PARAMETER);
  }

  private void onRecord(PublishHandle handle, Claim c, Optional<StreamRecord> current) {
    if (c.ended) {
      return;
    }
    if (current.isPresent() && current.get().sameSession(c.record)) {
      return;
    }
    if (current.isPresent()) {
      contest(handle, c, current.get());
      return;
    }
    // Our record is gone while we still publish (survivors thought we were dead): claim again.
    registry.claim(c.record).onSuccess(claim -> {
      if (c.ended) {
        return;
      }
      if (claim.granted()) {
        c.record = claim.current();
        LOG.info("event=registry.reclaim stream={} epoch={}", c.record.key(), c.record.epoch());
      } else {
        contest(handle, c, claim.current());
      }
    });
  }

  /**
   * Two live sessions claim one key (a split brain healed, or a frozen origin came back): the
   * larger epoch wins everywhere, whatever the registry merge left behind, so both origins reach
   * the same verdict. The winner writes its record back; the loser disconnects its publisher.
   */
  private void contest(PublishHandle handle, Claim c, StreamRecord other) {
    if (!c.record.outranks(other)) {
      lose(handle, c, other);
      return;
    }
    LOG.info("event=registry.reassert stream={} epoch={} over_node={} over_epoch={}", c.record.key(),
        c.record.epoch(), other.ownerNode(), other.epoch());
    registry.update(other, c.record);
  }

  private void lose(PublishHandle handle, Claim c, StreamRecord winner) {
    if (c.ended) {
      return;
    }
    LOG.info("event=registry.claim_lost stream={} winner_node={} winner_epoch={}", c.record.key(),
        winner.ownerNode(), winner.epoch());
    handle.revoke(NetStatus.PUBLISH_BAD_NAME, "stream " + c.record.key() + " is now published on node "
        + winner.ownerNode(), "claim_lost");
  }

  /** Re-checks every own claim and refreshes the codec summary once it is known. */
  private void verifyAll() {
    claims.forEach((handle, c) -> registry.lookup(c.record.key()).onSuccess(rec -> {
      onRecord(handle, c, rec);
      if (rec.isPresent() && rec.get().sameSession(c.record)) {
        refreshCodecs(c, rec.get());
      }
    }));
  }

  private void refreshCodecs(Claim c, StreamRecord current) {
    LiveStream s = streams.get(current.key());
    if (s == null) {
      return;
    }
    StreamInfo info = s.info();
    if (info.videoCodec().equals(current.videoCodec()) && info.audioCodec().equals(current.audioCodec())) {
      return;
    }
    StreamRecord updated = current.withCodecs(info.videoCodec(), info.audioCodec());
    registry.update(current, updated).onSuccess(v -> c.record = updated);
  }
}
