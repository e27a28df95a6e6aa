package io.cascade.testing;

import io.cascade.live.MediaFrame;
import io.cascade.rtmp.media.RtmpMediaFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A test-side FLV file reader (FLV 10.1 Annex E.2, E.3): the tags of a file such as ffmpeg writes,
 * turned into {@link MediaFrame}s the way an RTMP publisher's messages are.
 */
public final class FlvFile {
  private static final int HEADER = 9;
  private static final int PREVIOUS_TAG_SIZE = 4;
  private static final int TAG_HEADER = 11;

  private FlvFile() {
  }

  /** One tag: its type (8 audio, 9 video, 18 script data), timestamp (ms, with its extension byte) and body. */
  public record Tag(int type, long timestamp, byte[] body) {

    /** The frame an RTMP publisher's message with this body would become, at {@code dts} on the timeline. */
    public MediaFrame toFrame(long dts) {
      return frame(type, dts, body);
    }

    public MediaFrame toFrame() {
      return toFrame(timestamp);
    }
  }

  /** Every tag of {@code file}, in file order. */
  public static List<Tag> read(Path file) {
    byte[] data;
    try {
      data = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (data.length < HEADER || data[0] != 'F' || data[1] != 'L' || data[2] != 'V') {
      throw new AssertionError(file + " is not an FLV file");
    }
    int pos = ((data[5] & 0xFF) << 24 | (data[6] & 0xFF) << 16 | (data[7] & 0xFF) << 8 | data[8] & 0xFF)
        + PREVIOUS_TAG_SIZE;
    List<Tag> tags = new ArrayList<>();
    while (pos + TAG_HEADER <= data.length) {
      int type = data[pos] & 0x1F;
      int size = (data[pos + 1] & 0xFF) << 16 | (data[pos + 2] & 0xFF) << 8 | data[pos + 3] & 0xFF;
      long timestamp = (data[pos + 4] & 0xFFL) << 16 | (data[pos + 5] & 0xFF) << 8 | data[pos + 6] & 0xFF
          | (data[pos + 7] & 0xFFL) << 24;
      int bodyAt = pos + TAG_HEADER;
      if (bodyAt + size > data.length) {
        break; // a file cut short while being written
      }
      byte[] body = new byte[size];
      System.arraycopy(data, bodyAt, body, 0, size);
      tags.add(new Tag(type, timestamp, body));
      pos = bodyAt + size + PREVIOUS_TAG_SIZE;
    }
    return tags;
  }

  /**
   * A frame built as {@link RtmpMediaFrames} builds one from an RTMP message with this body, then
   * placed at {@code dts} (which may pass 2^32 ms, as on the stream's unwrapped timeline).
   */
  public static MediaFrame frame(int typeId, long dts, byte[] body) {
    MediaFrame parsed = RtmpMediaFrames.frame(typeId, 0, Unpooled.wrappedBuffer(body), false, 0, 0);
    try {
      int flags = (parsed.isKeyframe() ? MediaFrame.KEYFRAME : 0) | (parsed.isConfig() ? MediaFrame.CONFIG : 0);
      ByteBuf copy = Unpooled.copiedBuffer(parsed.body());
      return new MediaFrame(parsed.kind(), parsed.trackId(), dts, parsed.compositionOffset(), flags, parsed.codec(),
          0, 0, copy);
    } finally {
      parsed.release();
    }
  }
}
