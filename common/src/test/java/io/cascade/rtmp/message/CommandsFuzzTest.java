package io.cascade.rtmp.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * Decodes a fuzzed message body as a command and as a data message, of the AMF0 or AMF3 type the
 * first byte picks, and checks that the only failure is an {@link RtmpProtocolException}, that a
 * command always has a name and a transaction id, and that the message is left as it was.
 */
class CommandsFuzzTest {
  private static final AmfLimits LIMITS = new AmfLimits(8, 256, 512);

  @FuzzTest
  void decode(byte[] raw) {
    if (raw.length == 0) {
      return;
    }
    boolean amf3 = (raw[0] & 1) == 1;
    byte[] body = Arrays.copyOfRange(raw, 1, raw.length);
    RtmpMessage command = new RtmpMessage(3, amf3 ? MessageType.COMMAND_AMF3 : MessageType.COMMAND_AMF0, 0, 0,
        Unpooled.wrappedBuffer(body));
    RtmpMessage data = new RtmpMessage(5, amf3 ? MessageType.DATA_AMF3 : MessageType.DATA_AMF0, 0, 1,
        Unpooled.wrappedBuffer(body));
    try {
      try {
        Command c = Commands.decodeCommand(command, LIMITS);
        assertThat(c.name()).isNotNull();
        assertThat(c.arguments()).isNotNull();
      } catch (RtmpProtocolException expected) {
        // The documented failure: the connection closes with its reason.
      }
      try {
        DataMessage d = Commands.decodeData(data, LIMITS);
        assertThat(d.name()).isNotNull();
      } catch (RtmpProtocolException expected) {
        // As above.
      }
      assertThat(command.payload().readerIndex()).as("command payload consumed").isZero();
      assertThat(data.payload().readerIndex()).as("data payload consumed").isZero();
    } finally {
      command.release();
      data.release();
    }
  }
}
