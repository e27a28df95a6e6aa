package io.cascade.live;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/** A subscriber that keeps what it is given, on the loop it names; see {@link VirtualLoops}. */
final class RecordingSubscriber implements Subscriber {
  final VirtualLoops loops;
  final EventLoop loop;
  final boolean coalesce;
  final List<MediaFrame> frames = new ArrayList<>();
  final List<String> events = new ArrayList<>();
  int flushes;
  int offLoop;
  Packager packager;

  RecordingSubscriber(VirtualLoops loops, EventLoop loop, boolean coalesce) {
    this.loops = loops;
    this.loop = loop;
    this.coalesce = coalesce;
  }

  @Override
  public boolean coalesceFlushes() {
    return coalesce;
  }

  @Override
  public EventLoop eventLoop() {
    return loop;
  }

  @Override
  public Packager packager() {
    return packager;
  }

  @Override
  public void onFrame(MediaFrame frame) {
    onLoop();
    frames.add(frame);
  }

  @Override
  public void onFlush() {
    onLoop();
    flushes++;
  }

  @Override
  public void onPublish() {
    onLoop();
    events.add("publish");
  }

  @Override
  public void onUnpublish() {
    onLoop();
    events.add("unpublish");
  }

  private void onLoop() {
    if (!loops.running()) {
      offLoop++;
    }
  }

  List<String> describe() {
    List<String> out = new ArrayList<>();
    for (MediaFrame f : frames) {
      String kind = f.isData() ? "data" : f.isVideo() ? "video" : "audio";
      if (f.isConfig() && !f.isData()) {
        kind += "-config";
      } else if (f.isKeyframe()) {
        kind += "-key";
      }
      out.add(kind + "@" + f.dts());
    }
    return out;
  }

  void releaseAll() {
    frames.forEach(MediaFrame::release);
    frames.clear();
  }
}
