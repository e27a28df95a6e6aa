package io.cascade.rtmp.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.amf.AmfObject;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.NetStatus;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Command messages in, typed listener calls out. */
class CommandDispatcherTest {
  private final List<String> calls = new ArrayList<>();
  private final CommandDispatcher dispatcher = new CommandDispatcher(new AmfLimits(8, 1024, 1024), new CommandListener() {
    @Override
    public void onConnect(ConnectRequest r) {
      calls.add("connect tx=" + r.transactionId() + " app=" + r.app() + " tcUrl=" + r.tcUrl() + " enc=" + r.objectEncoding());
    }

    @Override
    public void onCreateStream(double tx) {
      calls.add("createStream tx=" + tx);
    }

    @Override
    public void onDeleteStream(int streamId) {
      calls.add("deleteStream " + streamId);
    }

    @Override
    public void onPublish(int streamId, String name, String type) {
      calls.add("publish sid=" + streamId + " " + name + " " + type);
    }

    @Override
    public void onPlay(int streamId, String name, boolean reset) {
      calls.add("play sid=" + streamId + " " + name + " reset=" + reset);
    }

    @Override
    public void onReceive(int streamId, boolean video, boolean receive) {
      calls.add("receive sid=" + streamId + " video=" + video + " " + receive);
    }

    @Override
    public void onError(double tx, Map<String, Object> info) {
      calls.add("_error tx=" + tx + " " + info.get("code"));
    }

    @Override
    public void onStatus(int streamId, Map<String, Object> info) {
      calls.add("onStatus sid=" + streamId + " " + info.get("code"));
    }

    @Override
    public void onOtherCommand(int streamId, Command c) {
      calls.add("other " + c.name());
    }
  });

  private void dispatch(int streamId, String name, double tx, Object... values) {
    RtmpMessage m = Commands.command(UnpooledByteBufAllocator.DEFAULT, Commands.CSID_COMMAND, streamId, name, tx, values);
    try {
      dispatcher.dispatch(m);
    } finally {
      m.release();
    }
  }

  @Test
  void typedCalls() {
    AmfObject props = new AmfObject();
    props.put("app", "live");
    props.put("tcUrl", "rtmp://h/live");
    props.put("objectEncoding", 3.0);
    dispatch(0, "connect", 1, props);
    dispatch(0, "createStream", 2, (Object) null);
    dispatch(1, "publish", 0, null, "key?sig=1", "live");
    dispatch(1, "play", 0, null, "key", -2000.0, -1.0, false);
    dispatch(1, "play", 0, null, "key");
    dispatch(1, "receiveVideo", 0, null, false);
    dispatch(0, "deleteStream", 0, null, 1.0);
    dispatch(0, "_error", 3, null, NetStatus.error(NetStatus.CALL_FAILED, "no"));
    dispatch(1, "onStatus", 0, null, NetStatus.status(NetStatus.PLAY_START, "go"));
    dispatch(0, "onBWDone", 0, (Object) null);
    dispatch(0, "myCall", 4, (Object) null);

    assertThat(calls).containsExactly(
        "connect tx=1.0 app=live tcUrl=rtmp://h/live enc=3.0",
        "createStream tx=2.0",
        "publish sid=1 key?sig=1 live",
        "play sid=1 key reset=false",
        "play sid=1 key reset=true",
        "receive sid=1 video=true false",
        "deleteStream 1",
        "_error tx=3.0 NetConnection.Call.Failed",
        "onStatus sid=1 NetStream.Play.Start",
        "other myCall");
  }

  @Test
  void connectWithoutCommandObjectHasEmptyProperties() {
    dispatch(0, "connect", 1, "not an object");
    assertThat(calls).containsExactly("connect tx=1.0 app= tcUrl= enc=0.0");
  }

  @Test
  void messageWithoutNameIsAProtocolError() {
    RtmpMessage m = new RtmpMessage(3, 20, 0, 0, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0}));
    try {
      assertThatThrownBy(() -> dispatcher.dispatch(m)).isInstanceOfSatisfying(RtmpProtocolException.class,
          e -> assertThat(e.reason()).isEqualTo("command"));
    } finally {
      m.release();
    }
    assertThat(calls).isEmpty();
  }
}
