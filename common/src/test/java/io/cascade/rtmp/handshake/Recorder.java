package io.cascade.rtmp.handshake;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;

/**
 * Sits after a handshake handler and records what reaches it: user events, exceptions (kept
 * from EmbeddedChannel, which would rethrow them) and whether data came before the event.
 */
final class Recorder extends ChannelInboundHandlerAdapter {
  final List<Object> events = new ArrayList<>();
  final List<Throwable> exceptions = new ArrayList<>();
  boolean dataBeforeEvent;

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    events.add(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    exceptions.add(cause);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (events.isEmpty()) {
      dataBeforeEvent = true;
    }
    ctx.fireChannelRead(msg);
  }
}
