package io.cascade.server;

import io.cascade.media.EnhancedRtmpCaps;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.RtmpUri;
import io.cascade.rtmp.amf.Amf0;
import io.cascade.rtmp.amf.AmfObject;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.message.UserControl;
import io.cascade.rtmp.session.CommandListener;
import io.cascade.rtmp.session.ConnectRequest;
import io.cascade.rtmp.session.ProtocolControlHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayList;
import org.slf4j.Logger;

/**
 * The NetConnection and NetStream commands a server serves, one instance per
 * {@link RtmpConnection}: connect, createStream and deleteStream, publish and play (admitted by
 * {@link Admission}, then started as a {@link PublishSession} or {@link PlaySession} on the
 * connection's {@link NetStreams}), pause, receiveAudio/Video, the FCPublish family, and
 * {@code _error} for what it does not serve. Runs on the connection's event loop.
 */
final class ServerCommands implements CommandListener {
  private static final Logger LOG = RtmpConnection.LOG;
  private static final String FMS_VERSION = "FMS/3,5,7,7009";

  private final RtmpConnection connection;
  private final NetStreams netStreams;
  private final Admission admission;
  private final ProtocolControlHandler control;
  /** Set by connect. */
  private String app;

  ServerCommands(RtmpConnection connection, NetStreams netStreams, Admission admission, ProtocolControlHandler control) {
    this.connection = connection;
    this.netStreams = netStreams;
    this.admission = admission;
    this.control = control;
  }

  /** Whether connect succeeded: every other command needs it first. */
  boolean isConnected() {
    return app != null;
  }

  private ChannelHandlerContext ctx() {
    return connection.context();
  }

  @Override
  public void onConnect(ConnectRequest c) {
    if (app != null) {
      throw new RtmpProtocolException("duplicate_connect", "second connect on one connection");
    }
    String name = RtmpUri.appName(c.app());
    if (name.isEmpty()) {
      Admission.Refusal r = Admission.badApp(c.app());
      connection.sendCommand(0, "_error", c.transactionId(), null, NetStatus.error(r.code(), r.description()));
      connection.closeAfterFlush(r.reason(), r.detail());
      return;
    }
    app = name;
    connection.connected(app);
    control.setWindows(connection.settings().windowAckSize(), connection.settings().peerBandwidth());
    control.setChunkSize(connection.streams().settings().chunkSize());
    AmfObject props = new AmfObject();
    props.put("fmsVer", FMS_VERSION);
    props.put("capabilities", 31.0);
    props.put("mode", 1.0);
    props.putAll(EnhancedRtmpCaps.resultProperties(c.properties()));
    AmfObject info = NetStatus.status(NetStatus.CONNECT_SUCCESS, "Connection succeeded.");
    info.put("objectEncoding", c.objectEncoding());
    connection.sendCommand(0, "_result", c.transactionId(), props, info);
    connection.sendCommand(0, "onBWDone", 0, null);
    LOG.info("event=connect peer={} conn={} app={} flashVer=\"{}\" tcUrl=\"{}\"", connection.peer(), connection.id(), app,
        RtmpUri.truncate(String.valueOf(c.properties().get("flashVer"))),
        RtmpUri.truncate(RtmpUri.withoutQuery(String.valueOf(c.properties().get("tcUrl")))));
  }

  @Override
  public void onCreateStream(double transactionId) {
    int sid = netStreams.create();
    if (sid < 0) {
      connection.sendCommand(0, "_error", transactionId, null,
          NetStatus.error(NetStatus.CALL_FAILED, "too many streams on one connection"));
      return;
    }
    connection.sendCommand(0, "_result", transactionId, null, (double) sid);
  }

  @Override
  public void onReleaseStream(double transactionId, String name) {
    if (transactionId != 0) {
      connection.sendCommand(0, "_result", transactionId, null, Amf0.UNDEFINED);
    }
  }

  @Override
  public void onFCPublish(double transactionId, String name) {
    connection.sendCommand(0, "onFCPublish", 0, null, NetStatus.status(NetStatus.PUBLISH_START, String.valueOf(name)));
  }

  @Override
  public void onFCUnpublish(double transactionId, String raw) {
    String name = RtmpUri.streamName(raw);
    for (PublishSession p : new ArrayList<>(netStreams.publishers())) {
      if (p.key().equals(RtmpUri.key(app, name))) {
        connection.sendCommand(0, "onFCUnpublish", 0, null, NetStatus.status(NetStatus.UNPUBLISH_SUCCESS, name));
        endSessions(p.streamId());
      }
    }
  }

  @Override
  public void onGetStreamLength(double transactionId, String name) {
    connection.sendCommand(0, "_result", transactionId, null, 0.0);
  }

  @Override
  public void onPublish(int sid, String raw, String type) {
    String name = RtmpUri.streamName(raw);
    if (!netStreams.isFree(sid) || name.isEmpty()) {
      refuse(sid, Admission.badPublish(sid, name));
      return;
    }
    SessionPolicy.Request request = request(name, raw);
    PublishSession session = new PublishSession(connection, sid, request.key(), request);
    netStreams.pending(sid, true);
    admission.askPublish(session).onComplete(ar -> connection.context().executor().execute(() -> {
      netStreams.pending(sid, false);
      if (connection.isClosing()) {
        if (ar.succeeded()) {
          admission.publishEnded(session);
        }
        return;
      }
      Admission.Refusal refusal = ar.failed() ? admission.refused(ar.cause(), true, request)
          : admission.startPublish(session);
      if (refusal != null) {
        refuse(sid, refusal);
        return;
      }
      netStreams.add(session);
      connection.role(RtmpMetrics.Kind.PUBLISHER);
      connection.appMeters().publishStarted();
      ctx().write(UserControl.streamBegin(ctx().alloc(), sid));
      connection.sendStatus(sid, NetStatus.status(NetStatus.PUBLISH_START, request.key() + " is now published"));
      LOG.info("event=publish.start peer={} conn={} role=publisher stream={} type={}", connection.peer(),
          connection.id(), request.key(), type);
    }));
  }

  @Override
  public void onPlay(int sid, String raw, boolean reset) {
    String name = RtmpUri.streamName(raw);
    if (!netStreams.isFree(sid) || name.isEmpty()) {
      refuse(sid, Admission.badPlay(sid, name));
      return;
    }
    SessionPolicy.Request request = request(name, raw);
    netStreams.pending(sid, true);
    admission.askPlay(request).onComplete(ar -> connection.context().executor().execute(() -> {
      netStreams.pending(sid, false);
      if (connection.isClosing()) {
        return;
      }
      if (ar.failed()) {
        refuse(sid, admission.refused(ar.cause(), false, request));
        return;
      }
      startPlay(sid, request, reset, admission.isRelay(request));
    }));
  }

  private SessionPolicy.Request request(String name, String raw) {
    return new SessionPolicy.Request(app, name, RtmpUri.key(app, name), RtmpUri.query(raw), connection.peer(),
        connection.id());
  }

  private void startPlay(int sid, SessionPolicy.Request request, boolean reset, boolean relay) {
    String key = request.key();
    // Subscribing first lets a limit refuse the play before Play.Start; what the stream sends a
    // new subscriber runs as a later task on this loop, so it still follows the statuses below.
    PlaySession session = new PlaySession(connection, sid, request, relay);
    netStreams.add(session);
    connection.role(relay ? RtmpMetrics.Kind.RELAY : RtmpMetrics.Kind.PLAYER);
    Admission.Refusal refusal = admission.startPlay(session);
    if (refusal != null) {
      netStreams.removePlay(sid);
      refuse(sid, refusal);
      return;
    }
    ctx().write(UserControl.streamBegin(ctx().alloc(), sid));
    if (reset) {
      connection.sendStatus(sid, NetStatus.status(NetStatus.PLAY_RESET, "Playing and resetting " + key));
    }
    connection.sendStatus(sid, NetStatus.status(NetStatus.PLAY_START, "Started playing " + key));
    ctx().write(Commands.data(ctx().alloc(), sid, 0, "|RtmpSampleAccess", true, true));
    ctx().flush();
    LOG.info("event=play.start peer={} conn={} role={} stream={} live={}", connection.peer(), connection.id(),
        connection.role().tag(), key, session.isLive());
  }

  @Override
  public void onPause(int sid, boolean pause) {
    PlaySession p = netStreams.playing(sid);
    if (p != null) {
      p.pause(pause);
    }
  }

  @Override
  public void onReceive(int sid, boolean video, boolean receive) {
    PlaySession p = netStreams.playing(sid);
    if (p != null) {
      p.receive(video, receive);
    }
  }

  @Override
  public void onDeleteStream(int sid) {
    endSessions(sid);
    netStreams.delete(sid);
  }

  @Override
  public void onCloseStream(int sid) {
    endSessions(sid);
  }

  @Override
  public void onOtherCommand(int sid, Command c) {
    LOG.debug("event=unknown_command peer={} conn={} command={}", connection.peer(), connection.id(), c.name());
    if (c.transactionId() != 0) {
      connection.sendCommand(0, "_error", c.transactionId(), null,
          NetStatus.error(NetStatus.CALL_FAILED, "unknown command " + RtmpUri.truncate(c.name())));
    }
  }

  private void endSessions(int sid) {
    PublishSession pub = netStreams.removePublish(sid);
    if (pub != null) {
      pub.stop();
      admission.publishEnded(pub);
      connection.appMeters().publishEnded();
      LOG.info("event=publish.end peer={} conn={} role=publisher stream={} reason=unpublish", connection.peer(),
          connection.id(), pub.key());
    }
    PlaySession play = netStreams.removePlay(sid);
    if (play != null) {
      play.stop();
      admission.playEnded(play);
      LOG.info("event=play.end peer={} conn={} role={} stream={} reason=closed_by_player", connection.peer(),
          connection.id(), connection.role().tag(), play.key());
    }
  }

  /** Tells the client why its request was refused, then closes. */
  private void refuse(int sid, Admission.Refusal r) {
    connection.sendStatus(sid, NetStatus.error(r.code(), r.description()));
    connection.closeAfterFlush(r.reason(), r.detail());
  }
}
