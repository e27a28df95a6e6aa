package io.cascade.bench;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A bench player over RTMP: Cascade's {@link RtmpClient} connects and plays; each message is a tag. */
final class RtmpPlayerLink implements PlayerLink, RtmpClientListener {
  private final BenchPlayer player;
  private final RtmpUrl url;
  private final RtmpClient client;

  RtmpPlayerLink(EventLoopGroup group, RtmpClientOptions options, RtmpUrl url, BenchPlayer player) {
    this.player = player;
    this.url = url;
    this.client = RtmpClient.create(group, options, this);
  }

  @Override
  public CompletableFuture<Void> play() {
    player.connectStartNanos = System.nanoTime();
    return client.connect(url).thenCompose(info -> {
      long now = System.nanoTime();
      player.connectedNanos = now;
      player.playCalledNanos = now;
      player.playCalledMicros = SyntheticMedia.epochMicros();
      return client.play(url.stream());
    });
  }

  @Override
  public void autoRead(boolean on) {
    client.autoRead(on);
  }

  @Override
  public EventLoop eventLoop() {
    return client.eventLoop();
  }

  @Override
  public CompletableFuture<Void> close() {
    return client.close();
  }

  @Override
  public void onMessage(RtmpMessage m) {
    player.onTag(m.typeId(), m.timestamp(), m.payload(), m.length());
  }

  @Override
  public void onStatus(Map<String, Object> info) {
    if ("NetStream.Play.UnpublishNotify".equals(info.get("code"))) {
      player.onUnpublish();
    }
  }

  @Override
  public void onClose(Throwable cause) {
    player.onClose(cause);
  }
}
