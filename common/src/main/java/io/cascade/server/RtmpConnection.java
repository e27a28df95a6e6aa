package io.cascade.server;

import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.cascade.rtmp.message.AggregateMessages;
import io.cascade.media.EnhancedRtmpCaps;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.Amf0;
import io.cascade.rtmp.amf.AmfObject;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.handshake.HandshakeCompleted;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.DataMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.message.ProtocolControl;
import io.cascade.rtmp.message.UserControl;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RTMP connection after the chunk layer: protocol control, the NetConnection/NetStream
 * commands, and the publish and play sessions on its message streams. Runs on the connection's
 * event loop; the last handler in the pipeline, it consumes every message it is given.
 */
public final class RtmpConnection extends ChannelInboundHandlerAdapter {
  static final Logger LOG = LoggerFactory.getLogger("cascade.rtmp");
  private static final AtomicLong IDS = new AtomicLong();
  private static final int MAX_NAME_LENGTH = 512;
  private static final String FMS_VERSION = "FMS/3,5,7,7009";

  private final RtmpServerSettings settings;
  private final StreamManager streams;
  private final SessionPolicy policy;
  private final RtmpMetrics metrics;
  private final ChunkDecoder decoder;
  private final ChunkEncoder encoder;
  private final long id = IDS.incrementAndGet();
  private final Map<Integer, PublishSession> publishing = new HashMap<>();
  private final Map<Integer, PlaySession> playing = new HashMap<>();
  private final List<Integer> allocatedStreams = new ArrayList<>();
  /** Stream ids whose publish or play waits for the policy's answer. */
  private final Set<Integer> pending = new HashSet<>();
  private ChannelHandlerContext ctx;
  private String peer = "?";
  private String app;
  private boolean connected;
  private boolean closing;
  private long peerAckWindow;
  private long lastAckSent;
  private long lastReadNanos = System.nanoTime();
  private ScheduledFuture<?> watchdog;
  private RtmpMetrics.Kind kind = RtmpMetrics.Kind.PENDING;
  private RtmpMetrics.AppMeters appMeters;
  private boolean handshakeDone;
  private long bytesCounted;

  public RtmpConnection(RtmpServerSettings settings, StreamManager streams, SessionPolicy policy,
      RtmpMetrics metrics, ChunkDecoder decoder, ChunkEncoder encoder) {
    this.settings = settings;
    this.streams = streams;
    this.policy = policy;
    this.metrics = metrics;
    this.decoder = decoder;
    this.encoder = encoder;
  }

  String peer() {
    return peer;
  }

  long id() {
    return id;
  }

  ChannelHandlerContext context() {
    return ctx;
  }

  StreamManager streams() {
    return streams;
  }

  RtmpServerSettings settings() {
    return settings;
  }

  RtmpMetrics metrics() {
    return metrics;
  }

  /** The app's meters; set at connect. */
  RtmpMetrics.AppMeters appMeters() {
    return appMeters;
  }

  /** The chunk size this connection currently sends with. */
  int outboundChunkSize() {
    return encoder.chunkSize();
  }

  /** The batching writer of live frames, or null (RTMPS, or a pipeline without one). */
  FrameWriter frameWriter() {
    return ctx.pipeline().get(FrameWriter.class);
  }

  /**
   * The chunk encoder's context: writing a ByteBuf of already encoded chunks here starts at the
   * handler before the encoder, which would only pass it on. Same event loop and order as writes
   * through {@link #context()}, since the encoder writes synchronously.
   */
  ChannelHandlerContext encodedContext() {
    ChannelHandlerContext c = context().pipeline().context(encoder);
    return c != null ? c : context();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a) {
      peer = a.getAddress().getHostAddress() + ":" + a.getPort();
    }
    metrics.connectionOpened();
    long period = Math.max(250, Math.min(settings.idleTimeout().toMillis(), settings.publisherNoDataTimeout().toMillis()) / 4);
    watchdog = ctx.executor().scheduleAtFixedRate(this::checkTimeouts, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastReadNanos = System.nanoTime();
    long read = decoder.bytesRead();
    metrics.bytesIn(read - bytesCounted);
    bytesCounted = read;
    if (!(msg instanceof RtmpMessage m)) {
      // Bytes that never became a message (e.g. after a protocol error): nothing to do with them.
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (!closing) {
        handle(m);
        acknowledge();
      }
    } finally {
      m.release();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof HandshakeCompleted done) {
      handshakeDone = true;
      LOG.debug("event=handshake peer={} conn={} complex={}", peer, id, done.complex());
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      for (PlaySession p : playing.values()) {
        p.drain();
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof RtmpProtocolException e) {
      close(e.reason(), e.getMessage());
    } else if (cause instanceof IOException) {
      close("io_error", cause.getMessage());
    } else {
      LOG.warn("event=internal_error peer={} conn={}", peer, id, cause);
      close("internal_error", String.valueOf(cause));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!closing) {
      closing = true;
      LOG.info("event=disconnect peer={} conn={} app={} role={} reason=peer_closed", peer, id, app, kind.tag());
      metrics.connectionClosed(kind, "peer_closed", handshakeDone);
    }
    cleanup();
    ctx.fireChannelInactive();
  }

  /** Closes this connection once, with one log line naming the reason. */
  void close(String reason, String detail) {
    if (closing) {
      return;
    }
    closing = true;
    LOG.info("event=close peer={} conn={} app={} role={} reason={} detail=\"{}\"", peer, id, app, kind.tag(), reason,
        detail);
    metrics.connectionClosed(kind, reason, handshakeDone);
    cleanup();
    ctx.close();
  }

  /** Sends what is queued, then closes (used after a final onStatus). */
  private void closeAfterFlush(String reason, String detail) {
    if (closing) {
      return;
    }
    closing = true;
    LOG.info("event=close peer={} conn={} app={} role={} reason={} detail=\"{}\"", peer, id, app, kind.tag(), reason,
        detail);
    metrics.connectionClosed(kind, reason, handshakeDone);
    cleanup();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void cleanup() {
    if (watchdog != null) {
      watchdog.cancel(false);
      watchdog = null;
    }
    for (PublishSession p : publishing.values()) {
      p.stop();
      policy.publishEnded(p.request(), p);
      appMeters.publishEnded();
    }
    publishing.clear();
    for (PlaySession p : playing.values()) {
      p.stop();
      policy.playEnded(p.request());
    }
    playing.clear();
  }

  private void checkTimeouts() {
    if (closing) {
      return;
    }
    long now = System.nanoTime();
    for (PublishSession p : publishing.values()) {
      if (now - p.lastMediaNanos() > settings.publisherNoDataTimeout().toNanos()) {
        close("publisher_no_data", "no media for " + settings.publisherNoDataTimeout().toMillis() + " ms on " + p.key());
        return;
      }
    }
    if (playing.isEmpty() && now - lastReadNanos > settings.idleTimeout().toNanos()) {
      close("idle", "nothing received for " + settings.idleTimeout().toMillis() + " ms");
    }
  }

  private void acknowledge() {
    if (peerAckWindow <= 0) {
      return;
    }
    long read = decoder.bytesRead();
    if (read - lastAckSent >= peerAckWindow) {
      lastAckSent = read;
      ctx.writeAndFlush(ProtocolControl.acknowledgement(ctx.alloc(), read & 0xFFFFFFFFL));
    }
  }

  private void handle(RtmpMessage m) {
    switch (m.typeId()) {
      case MessageType.SET_CHUNK_SIZE, MessageType.ABORT, MessageType.ACKNOWLEDGEMENT -> {
        // The chunk decoder applied Set Chunk Size and Abort; acknowledgements need no action.
      }
      case MessageType.WINDOW_ACK_SIZE -> peerAckWindow = ProtocolControl.readUint32(m);
      case MessageType.SET_PEER_BANDWIDTH -> {
        // We never throttle our output by the peer's request; live delivery is paced by the source.
      }
      case MessageType.USER_CONTROL -> onUserControl(UserControl.Event.parse(m));
      case MessageType.AUDIO, MessageType.VIDEO -> onMedia(m);
      case MessageType.DATA_AMF0, MessageType.DATA_AMF3 -> onData(m);
      case MessageType.COMMAND_AMF0, MessageType.COMMAND_AMF3 -> onCommand(Commands.decodeCommand(m, settings.amfLimits()), m);
      case MessageType.AGGREGATE -> AggregateMessages.split(m, 4096, sub -> {
        try {
          handle(sub);
        } finally {
          sub.release();
        }
      });
      case MessageType.SHARED_OBJECT_AMF0, MessageType.SHARED_OBJECT_AMF3 ->
          LOG.debug("event=ignored peer={} conn={} type=shared_object", peer, id);
      default -> throw new RtmpProtocolException("unknown_message_type", "unknown message type " + m.typeId());
    }
  }

  private void onUserControl(UserControl.Event e) {
    if (e.type() == UserControl.PING_REQUEST) {
      ctx.writeAndFlush(UserControl.pingResponse(ctx.alloc(), e.value()));
    }
  }

  private PublishSession publisherFor(int streamId) {
    PublishSession p = publishing.get(streamId);
    if (p == null && publishing.size() == 1) {
      // Some encoders send media on stream 0 or a stale id; with one publish there is no doubt.
      p = publishing.values().iterator().next();
    }
    return p;
  }

  private void onMedia(RtmpMessage m) {
    PublishSession p = publisherFor(m.streamId());
    if (p != null) {
      p.onMedia(m);
    }
  }

  private void onData(RtmpMessage m) {
    PublishSession p = publisherFor(m.streamId());
    if (p == null) {
      return;
    }
    DataMessage data = Commands.decodeData(m, settings.amfLimits());
    if (DataMessage.SET_DATA_FRAME.equals(data.name())) {
      if (!data.values().isEmpty() && DataMessage.ON_METADATA.equals(data.values().get(0))) {
        p.onMetadata(m.timestamp(), Commands.dataBody(ctx.alloc(), DataMessage.ON_METADATA, data.values().subList(1, data.values().size())));
      }
    } else if (DataMessage.ON_METADATA.equals(data.name())) {
      p.onMetadata(m.timestamp(), m.payload().retainedSlice());
    } else if (!DataMessage.CLEAR_DATA_FRAME.equals(data.name())) {
      p.onData(m);
    }
  }

  private void onCommand(Command c, RtmpMessage m) {
    if (!connected && !"connect".equals(c.name())) {
      throw new RtmpProtocolException("command_before_connect", "'" + c.name() + "' before connect");
    }
    switch (c.name()) {
      case "connect" -> onConnect(c);
      case "createStream" -> onCreateStream(c);
      case "releaseStream", "FCUnpublish" -> onReleaseStream(c);
      case "FCPublish" -> sendCommand(0, "onFCPublish", 0, null, NetStatus.status(NetStatus.PUBLISH_START, String.valueOf(c.stringArgument(0))));
      case "publish" -> onPublish(c, m.streamId());
      case "play" -> onPlay(c, m.streamId());
      case "pause" -> onPause(c, m.streamId());
      case "receiveAudio", "receiveVideo" -> {
        PlaySession p = playing.get(m.streamId());
        if (p != null) {
          p.receive(c.name().equals("receiveVideo"), c.booleanArgument(0, true));
        }
      }
      case "deleteStream" -> onDeleteStream((int) c.numberArgument(0, -1));
      case "closeStream" -> endSessions(m.streamId());
      case "getStreamLength" -> sendCommand(0, "_result", c.transactionId(), null, 0.0);
      case "_result", "_error", "onBWDone", "_checkbw", "onStatus" -> {
        // Replies to our onBWDone or bandwidth probes: nothing to do.
      }
      default -> {
        LOG.debug("event=unknown_command peer={} conn={} command={}", peer, id, c.name());
        if (c.transactionId() != 0) {
          sendCommand(0, "_error", c.transactionId(), null, NetStatus.error(NetStatus.CALL_FAILED, "unknown command " + truncate(c.name())));
        }
      }
    }
  }

  private void onConnect(Command c) {
    if (connected) {
      throw new RtmpProtocolException("duplicate_connect", "second connect on one connection");
    }
    Map<?, ?> obj = c.commandObject() instanceof Map<?, ?> map ? map : Map.of();
    String rawApp = obj.get("app") instanceof String s ? s : "";
    app = appName(rawApp);
    if (app.isEmpty() || app.length() > MAX_NAME_LENGTH) {
      sendCommand(0, "_error", c.transactionId(), null, NetStatus.error(NetStatus.CONNECT_REJECTED, "invalid application name"));
      closeAfterFlush("bad_app", "app=\"" + truncate(rawApp) + "\"");
      return;
    }
    connected = true;
    appMeters = metrics.app(app);
    double objectEncoding = obj.get("objectEncoding") instanceof Number n ? n.doubleValue() : 0;
    ctx.write(ProtocolControl.windowAckSize(ctx.alloc(), settings.windowAckSize()));
    ctx.write(ProtocolControl.setPeerBandwidth(ctx.alloc(), settings.peerBandwidth(), 2));
    ctx.write(ProtocolControl.setChunkSize(ctx.alloc(), streams.settings().chunkSize()));
    AmfObject props = new AmfObject();
    props.put("fmsVer", FMS_VERSION);
    props.put("capabilities", 31.0);
    props.put("mode", 1.0);
    props.putAll(EnhancedRtmpCaps.resultProperties(castMap(obj)));
    AmfObject info = NetStatus.status(NetStatus.CONNECT_SUCCESS, "Connection succeeded.");
    info.put("objectEncoding", objectEncoding);
    sendCommand(0, "_result", c.transactionId(), props, info);
    sendCommand(0, "onBWDone", 0, null);
    LOG.info("event=connect peer={} conn={} app={} flashVer=\"{}\" tcUrl=\"{}\"", peer, id, app,
        truncate(String.valueOf(obj.get("flashVer"))), truncate(stripQuery(String.valueOf(obj.get("tcUrl")))));
  }

  private void onCreateStream(Command c) {
    if (allocatedStreams.size() >= RtmpServerSettings.MAX_STREAMS_PER_CONNECTION) {
      sendCommand(0, "_error", c.transactionId(), null, NetStatus.error(NetStatus.CALL_FAILED, "too many streams on one connection"));
      return;
    }
    int sid = LiveStream.SHARED_STREAM_ID;
    while (allocatedStreams.contains(sid)) {
      sid++;
    }
    allocatedStreams.add(sid);
    sendCommand(0, "_result", c.transactionId(), null, (double) sid);
  }

  private void onReleaseStream(Command c) {
    if ("FCUnpublish".equals(c.name())) {
      String name = streamName(c.stringArgument(0));
      for (PublishSession p : new ArrayList<>(publishing.values())) {
        if (p.key().equals(app + "/" + name)) {
          sendCommand(0, "onFCUnpublish", 0, null, NetStatus.status(NetStatus.UNPUBLISH_SUCCESS, name));
          endSessions(p.streamId());
        }
      }
    } else if (c.transactionId() != 0) {
      sendCommand(0, "_result", c.transactionId(), null, Amf0.UNDEFINED);
    }
  }

  private void onPublish(Command c, int sid) {
    String raw = c.stringArgument(0);
    String name = streamName(raw);
    if (!allocatedStreams.contains(sid) || name.isEmpty() || publishing.containsKey(sid) || playing.containsKey(sid)
        || pending.contains(sid)) {
      sendStatus(sid, NetStatus.error(NetStatus.PUBLISH_BAD_NAME, "invalid publish request"));
      closeAfterFlush("bad_publish", "stream id " + sid + " name \"" + truncate(name) + "\"");
      return;
    }
    String key = app + "/" + name;
    SessionPolicy.Request request = new SessionPolicy.Request(app, name, key, query(raw), peer, id);
    PublishSession session = new PublishSession(this, sid, key, request);
    pending.add(sid);
    policy.admitPublish(request, session).onComplete(ar -> ctx.executor().execute(() -> {
      pending.remove(sid);
      if (closing) {
        if (ar.succeeded()) {
          policy.publishEnded(request, session);
        }
        return;
      }
      if (ar.failed()) {
        refuse(sid, ar.cause(), NetStatus.PUBLISH_BAD_NAME, "publish_rejected", key);
        return;
      }
      StreamManager.PublishResult result = streams.publish(key, session);
      if (!result.accepted()) {
        policy.publishEnded(request, session);
        boolean busy = result.refusal() == StreamManager.PublishRefusal.ALREADY_PUBLISHING;
        String why = busy ? "stream " + key + " is already being published"
            : "node stream limit reached (live.maxStreams)";
        sendStatus(sid, NetStatus.error(NetStatus.PUBLISH_BAD_NAME, why));
        closeAfterFlush(busy ? "publish_rejected" : "max_streams", why);
        return;
      }
      session.start(result.stream());
      publishing.put(sid, session);
      setKind(RtmpMetrics.Kind.PUBLISHER);
      appMeters.publishStarted();
      ctx.write(UserControl.streamBegin(ctx.alloc(), sid));
      sendStatus(sid, NetStatus.status(NetStatus.PUBLISH_START, key + " is now published"));
      LOG.info("event=publish.start peer={} conn={} role=publisher stream={} type={}", peer, id, key,
          c.stringArgument(1));
    }));
  }

  private void refuse(int sid, Throwable cause, String defaultCode, String defaultReason, String key) {
    if (cause instanceof SessionPolicy.Refused r) {
      metrics.authFailure(defaultCode.startsWith("NetStream.Publish") ? "publish" : "play", r.reason());
    }
    String code = cause instanceof SessionPolicy.Refused r ? r.code() : defaultCode;
    String reason = cause instanceof SessionPolicy.Refused r ? r.reason() : defaultReason;
    String description = cause instanceof SessionPolicy.Refused ? cause.getMessage() : "cannot start " + key + " now";
    if (!(cause instanceof SessionPolicy.Refused)) {
      LOG.warn("event=admission_error peer={} conn={} stream={} detail=\"{}\"", peer, id, key, String.valueOf(cause));
    }
    sendStatus(sid, NetStatus.error(code, description));
    closeAfterFlush(reason, description);
  }

  private void onPlay(Command c, int sid) {
    String raw = c.stringArgument(0);
    String name = streamName(raw);
    if (!allocatedStreams.contains(sid) || name.isEmpty() || publishing.containsKey(sid) || playing.containsKey(sid)
        || pending.contains(sid)) {
      sendStatus(sid, NetStatus.error(NetStatus.PLAY_FAILED, "invalid play request"));
      closeAfterFlush("bad_play", "stream id " + sid + " name \"" + truncate(name) + "\"");
      return;
    }
    String key = app + "/" + name;
    boolean reset = c.booleanArgument(3, true);
    SessionPolicy.Request request = new SessionPolicy.Request(app, name, key, query(raw), peer, id);
    pending.add(sid);
    policy.admitPlay(request).onComplete(ar -> ctx.executor().execute(() -> {
      pending.remove(sid);
      if (closing) {
        return;
      }
      if (ar.failed()) {
        refuse(sid, ar.cause(), NetStatus.PLAY_FAILED, "play_rejected", key);
        return;
      }
      startPlay(sid, request, reset, policy.isRelay(request));
    }));
  }

  private void startPlay(int sid, SessionPolicy.Request request, boolean reset, boolean relay) {
    String key = request.key();
    // Subscribing first lets a limit refuse the play before Play.Start; what the stream sends a
    // new subscriber runs as a later task on this loop, so it still follows the statuses below.
    PlaySession session = new PlaySession(this, sid, request, relay);
    playing.put(sid, session);
    setKind(relay ? RtmpMetrics.Kind.RELAY : RtmpMetrics.Kind.PLAYER);
    String limit = session.start();
    if (limit != null) {
      playing.remove(sid);
      session.stop();
      policy.playEnded(request);
      String why = switch (limit) {
        case "max_streams" -> "node stream limit reached (live.maxStreams)";
        case "max_waiting_players" -> "too many players wait for streams that are not live (live.maxWaitingPlayers)";
        default -> "player limit of " + key + " reached (live.maxPlayersPerStream)";
      };
      sendStatus(sid, NetStatus.error(NetStatus.PLAY_FAILED, why));
      closeAfterFlush(limit, why);
      return;
    }
    ctx.write(UserControl.streamBegin(ctx.alloc(), sid));
    if (reset) {
      sendStatus(sid, NetStatus.status(NetStatus.PLAY_RESET, "Playing and resetting " + key));
    }
    sendStatus(sid, NetStatus.status(NetStatus.PLAY_START, "Started playing " + key));
    ctx.write(Commands.data(ctx.alloc(), sid, 0, "|RtmpSampleAccess", true, true));
    ctx.flush();
    LOG.info("event=play.start peer={} conn={} role={} stream={} live={}", peer, id, kind.tag(), key, session.isLive());
  }

  private void onPause(Command c, int sid) {
    PlaySession p = playing.get(sid);
    if (p != null) {
      p.pause(c.booleanArgument(0, true));
    }
  }

  private void onDeleteStream(int sid) {
    endSessions(sid);
    allocatedStreams.remove(Integer.valueOf(sid));
  }

  private void endSessions(int sid) {
    PublishSession pub = publishing.remove(sid);
    if (pub != null) {
      pub.stop();
      policy.publishEnded(pub.request(), pub);
      appMeters.publishEnded();
      LOG.info("event=publish.end peer={} conn={} role=publisher stream={} reason=unpublish", peer, id, pub.key());
    }
    PlaySession play = playing.remove(sid);
    if (play != null) {
      play.stop();
      policy.playEnded(play.request());
      LOG.info("event=play.end peer={} conn={} role={} stream={} reason=closed_by_player", peer, id, kind.tag(),
          play.key());
    }
  }

  private void setKind(RtmpMetrics.Kind next) {
    metrics.connectionKind(kind, next);
    kind = next;
  }

  /** Closes from any thread (node draining). */
  void closeLater(String reason, String detail) {
    ctx.executor().execute(() -> close(reason, detail));
  }

  /** Called by a play session that cannot continue (no publisher in time, too slow). */
  void endPlay(PlaySession session, String reason, String detail) {
    if (playing.get(session.streamId()) == session) {
      close(reason, detail + " stream=" + session.key());
    }
  }

  /** Ends a publish whose right to the key was withdrawn (registry claim lost). */
  void revokePublish(PublishSession session, String code, String description, String reason) {
    if (publishing.get(session.streamId()) != session || closing) {
      return;
    }
    sendStatus(session.streamId(), NetStatus.error(code, description));
    closeAfterFlush(reason, description + " stream=" + session.key());
  }

  void sendStatus(int sid, AmfObject info) {
    ctx.write(Commands.command(ctx.alloc(), Commands.CSID_STREAM, sid, "onStatus", 0, null, info));
    ctx.flush();
  }

  private void sendCommand(int sid, String name, double tx, Object commandObject, Object... args) {
    Object[] values = new Object[args.length + 1];
    values[0] = commandObject;
    System.arraycopy(args, 0, values, 1, args.length);
    ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, sid, name, tx, values));
  }

  /** {@code live/} or {@code live?x=y} → {@code live}; keeps sub-paths such as {@code live/sub}. */
  static String appName(String raw) {
    String a = stripQuery(raw);
    while (a.endsWith("/")) {
      a = a.substring(0, a.length() - 1);
    }
    return a;
  }

  /** The stream name without its query string; the query carries tokens, never part of the key. */
  static String streamName(String raw) {
    if (raw == null) {
      return "";
    }
    String n = stripQuery(raw).trim();
    return n.length() > MAX_NAME_LENGTH ? "" : n;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> castMap(Map<?, ?> m) {
    return (Map<String, ?>) m;
  }

  /** {@code name?a=1&b=2} → {a=1, b=2}; bounded in count, values not decoded beyond '+' and %XX. */
  static Map<String, String> query(String raw) {
    if (raw == null) {
      return Map.of();
    }
    int q = raw.indexOf('?');
    if (q < 0) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    for (String part : raw.substring(q + 1).split("&", 33)) {
      if (out.size() >= 32 || part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      try {
        out.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        out.putIfAbsent(k, v);
      }
    }
    return out;
  }

  private static String stripQuery(String s) {
    int q = s.indexOf('?');
    return q < 0 ? s : s.substring(0, q);
  }

  private static String truncate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

}
