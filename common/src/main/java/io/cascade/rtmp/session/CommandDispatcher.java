package io.cascade.rtmp.session;

import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import java.util.Map;

/**
 * Decodes command messages (types 20 and 17) and calls the matching {@link CommandListener}
 * method with typed arguments. It decides nothing: whether a command is allowed, and what the
 * answer is, belongs to the listener. Bandwidth detection ({@code onBWDone}, {@code _checkbw}) is
 * served by neither end of ours and goes nowhere.
 */
public final class CommandDispatcher {
  private final AmfLimits limits;
  private final CommandListener listener;

  public CommandDispatcher(AmfLimits limits, CommandListener listener) {
    this.limits = limits;
    this.listener = listener;
  }

  /**
   * Decodes a command message without consuming it.
   *
   * @throws io.cascade.rtmp.RtmpProtocolException when it is not valid AMF or has no name and
   *     transaction id
   */
  public Command decode(RtmpMessage message) {
    return Commands.decodeCommand(message, limits);
  }

  /** Decodes {@code message} and dispatches it; see {@link #dispatch(Command, int)}. */
  public void dispatch(RtmpMessage message) {
    dispatch(decode(message), message.streamId());
  }

  /** Calls the listener method of {@code c}, which came on message stream {@code streamId}. */
  public void dispatch(Command c, int streamId) {
    double tx = c.transactionId();
    switch (c.name()) {
      case "connect" -> listener.onConnect(new ConnectRequest(tx, properties(c.commandObject())));
      case "createStream" -> listener.onCreateStream(tx);
      case "deleteStream" -> listener.onDeleteStream((int) c.numberArgument(0, -1));
      case "closeStream" -> listener.onCloseStream(streamId);
      case "releaseStream" -> listener.onReleaseStream(tx, c.stringArgument(0));
      case "FCPublish" -> listener.onFCPublish(tx, c.stringArgument(0));
      case "FCUnpublish" -> listener.onFCUnpublish(tx, c.stringArgument(0));
      case "getStreamLength" -> listener.onGetStreamLength(tx, c.stringArgument(0));
      case "publish" -> listener.onPublish(streamId, c.stringArgument(0), c.stringArgument(1));
      case "play" -> listener.onPlay(streamId, c.stringArgument(0), c.booleanArgument(3, true));
      case "pause" -> listener.onPause(streamId, c.booleanArgument(0, true));
      case "receiveAudio" -> listener.onReceive(streamId, false, c.booleanArgument(0, true));
      case "receiveVideo" -> listener.onReceive(streamId, true, c.booleanArgument(0, true));
      case "_result" -> listener.onResult(tx, c);
      case "_error" -> listener.onError(tx, info(c));
      case "onStatus" -> listener.onStatus(streamId, info(c));
      case "onBWDone", "_checkbw" -> {
        // Bandwidth detection: see the class comment.
      }
      default -> listener.onOtherCommand(streamId, c);
    }
  }

  /**
   * The status object of {@code _result}, {@code _error} or {@code onStatus}: the first argument
   * when it is an object, else the command object (some servers put it there); empty otherwise.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> info(Command c) {
    if (c.argument(0) instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    if (c.commandObject() instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    return Map.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> properties(Object commandObject) {
    return commandObject instanceof Map<?, ?> m ? (Map<String, ?>) m : Map.of();
  }
}
