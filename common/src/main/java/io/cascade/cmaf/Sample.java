package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;

/**
 * One ISO sample waiting in an open part: its data (a retained slice of the frame body, released
 * when the part is written or dropped) and its times in the track's timescale.
 */
final class Sample {
  final ByteBuf data;
  final long decodeTime;
  final int compositionOffset;
  final boolean sync;
  /** Ticks until the next sample; set when known (audio at once, video when the next frame comes). */
  long duration;

  Sample(ByteBuf data, long decodeTime, int compositionOffset, boolean sync) {
    this.data = data;
    this.decodeTime = decodeTime;
    this.compositionOffset = compositionOffset;
    this.sync = sync;
  }

  int size() {
    return data.readableBytes();
  }
}
