package io.cascade.config;

import io.cascade.config.ValueType.BooleanType;
import io.cascade.config.ValueType.DurationType;
import io.cascade.config.ValueType.EnumType;
import io.cascade.config.ValueType.IntType;
import io.cascade.config.ValueType.ListType;
import io.cascade.config.ValueType.LongType;
import io.cascade.config.ValueType.SizeType;
import io.cascade.config.ValueType.StringType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * Every setting Cascade reads, each declared once here as a typed constant: path, type with
 * bounds, default and description. The loader, the environment variable names, the docs table in
 * {@code docs/CONFIGURATION.md} and the settings records ({@code LiveSettings.from(config)} and
 * the like) all follow it. To add a setting, declare it here, read it with {@link
 * CascadeConfig#get(Setting)} where it is used, and paste {@link #markdownTable()} into the docs
 * (ConfigSchemaTest says when they differ).
 *
 * <p>Longer than 400 lines because it is the table itself; its code is the few methods at the end.
 */
public final class ConfigSchema {
  /** Filled in declaration order by the constants below, which is the order of the docs. */
  private static final List<Setting<?>> DECLARED = new ArrayList<>();

  public static final Setting<String> NODE_ID =
      computed(
          "node.id",
          string(),
          ConfigSchema::hostnameOrRandom,
          "host name, else `cascade-<random>`",
          "Name of this node in logs, metrics and the stream registry.");

  public static final Setting<Duration> NODE_DRAIN_GRACE =
      of(
          "node.drainGrace",
          duration("0", "1h"),
          "20s",
          "On SIGTERM the node turns not ready, accepts no new connections and lets the"
              + " connected players continue this long (or until all have left), then closes"
              + " the rest, releases its registry claims and exits 0. Keep Kubernetes'"
              + " terminationGracePeriodSeconds above preStop + this + 10s.");

  public static final Setting<Duration> NODE_EVENT_LOOP_STALL_TIMEOUT =
      of(
          "node.eventLoopStallTimeout",
          duration("1s", "10m"),
          "10s",
          "/health/live fails while an event loop has not run its heartbeat for this long.");

  public static final Setting<String> RTMP_HOST =
      of("rtmp.host", string(), "0.0.0.0", "Address the RTMP server binds to.");

  public static final Setting<Integer> RTMP_PORT =
      of("rtmp.port", port(), "1935", "RTMP listen port; 0 picks a free port.");

  public static final Setting<Integer> RTMP_CHUNK_SIZE =
      of(
          "rtmp.chunkSize",
          integer(128, 65536),
          "4096",
          "Chunk size the server announces and uses for what it sends.");

  public static final Setting<Duration> RTMP_HANDSHAKE_TIMEOUT =
      of(
          "rtmp.handshakeTimeout",
          duration("100ms", "5m"),
          "10s",
          "A connection that has not completed the handshake after this long is closed.");

  public static final Setting<Long> RTMP_MAX_CHUNK_SIZE =
      of(
          "rtmp.maxChunkSize",
          size("128", "16MiB"),
          "1MiB",
          "Largest chunk size a peer may set with Set Chunk Size; more closes the connection.");

  public static final Setting<Long> RTMP_MAX_MESSAGE_SIZE =
      of(
          "rtmp.maxMessageSize",
          size("1KiB", "16777215"),
          "8MiB",
          "Largest message a peer may send (RTMP message lengths are 24-bit).");

  public static final Setting<Integer> RTMP_MAX_CHUNK_STREAMS =
      of(
          "rtmp.maxChunkStreams",
          integer(2, 65598),
          "64",
          "Chunk streams a peer may use on one connection.");

  public static final Setting<Long> RTMP_MAX_PENDING_BYTES =
      of(
          "rtmp.maxPendingBytes",
          size("1KiB", "1GiB"),
          "16MiB",
          "Most payload bytes one connection may hold in partly received messages, over all"
              + " its chunk streams; more closes the connection. At least rtmp.maxMessageSize.");

  public static final Setting<Long> RTMP_WINDOW_ACK_SIZE =
      of(
          "rtmp.windowAckSize",
          uint32(),
          "2500000",
          "Window Acknowledgement Size sent to peers: they acknowledge every this many bytes.");

  public static final Setting<Long> RTMP_PEER_BANDWIDTH =
      of(
          "rtmp.peerBandwidth",
          uint32(),
          "2500000",
          "Window size sent to peers in Set Peer Bandwidth.");

  public static final Setting<Integer> RTMP_AMF_MAX_DEPTH =
      of(
          "rtmp.amf.maxDepth",
          integer(1, 1000),
          "32",
          "Deepest nesting of objects and arrays accepted in AMF data.");

  public static final Setting<Long> RTMP_AMF_MAX_STRING_LENGTH =
      of(
          "rtmp.amf.maxStringLength",
          size("1", "16MiB"),
          "1MiB",
          "Longest string accepted in AMF data.");

  public static final Setting<Integer> RTMP_AMF_MAX_ELEMENTS =
      of(
          "rtmp.amf.maxElements",
          integer(1, 16_777_216),
          "65536",
          "Most properties or elements accepted in one AMF object or array.");

  public static final Setting<Integer> RTMP_EVENT_LOOPS =
      of(
          "rtmp.eventLoops",
          integer(0, 1024),
          "0",
          "Event-loop threads; 0 means twice the number of CPU cores.");

  public static final Setting<Long> RTMP_WRITE_BUFFER_LOW_WATER_MARK =
      of(
          "rtmp.writeBufferLowWaterMark",
          size("1KiB", "64MiB"),
          "128KiB",
          "A connection whose unsent bytes drop below this is written to again.");

  public static final Setting<Long> RTMP_WRITE_BUFFER_HIGH_WATER_MARK =
      of(
          "rtmp.writeBufferHighWaterMark",
          size("1KiB", "64MiB"),
          "256KiB",
          "A connection with more unsent bytes than this is not written to until it drains"
              + " below the low water mark; must be greater than"
              + " rtmp.writeBufferLowWaterMark.");

  public static final Setting<Long> RTMP_SEND_BUFFER_SIZE =
      of(
          "rtmp.sendBufferSize",
          size("0", "64MiB"),
          "128KiB",
          "Socket send buffer (SO_SNDBUF) of accepted connections. Bounds what the kernel holds"
              + " for a player beyond Cascade's own queue, so a stalled player is detected and cut"
              + " within seconds; 0 leaves it to the OS, whose auto-tuning may hold several MiB.");

  public static final Setting<Duration> RTMP_IDLE_TIMEOUT =
      of(
          "rtmp.idleTimeout",
          duration("1s", "1h"),
          "30s",
          "A connection that sends nothing for this long while it is not a player is closed.");

  public static final Setting<Duration> RTMP_PUBLISHER_NO_DATA_TIMEOUT =
      of(
          "rtmp.publisherNoDataTimeout",
          duration("1s", "1h"),
          "10s",
          "A publisher that sends no media for this long is disconnected.");

  public static final Setting<Integer> RTMP_MAX_CONNECTIONS =
      of(
          "rtmp.maxConnections",
          integer(1, 1_000_000),
          "20000",
          "Most RTMP and RTMPS connections open on this node at once; a further one is closed"
              + " as soon as it is accepted.");

  public static final Setting<Integer> RTMP_MAX_CONNECTIONS_PER_IP =
      of(
          "rtmp.maxConnectionsPerIp",
          integer(0, 1_000_000),
          "0",
          "Most RTMP and RTMPS connections open at once from one client address; 0 means no"
              + " limit. Off by default: behind a load balancer that does not keep client"
              + " addresses every client shares a few, and an edge opens one connection per"
              + " stream it pulls from an origin.");

  public static final Setting<Boolean> RTMPS_ENABLED =
      of(
          "rtmps.enabled",
          bool(),
          "false",
          "Serve RTMPS (RTMP over TLS 1.2 or 1.3) on rtmps.port beside plain RTMP, with the"
              + " certificate chain and key of rtmps.certFile and rtmps.keyFile.");

  public static final Setting<Integer> RTMPS_PORT =
      of("rtmps.port", port(), "1936", "RTMPS listen port; 0 picks a free port.");

  public static final Setting<String> RTMPS_CERT_FILE =
      of(
          "rtmps.certFile",
          optionalString(),
          "",
          "PEM file with the server certificate, then its intermediates, for RTMPS and HTTPS;"
              + " required with rtmps.enabled or https.enabled.");

  public static final Setting<String> RTMPS_KEY_FILE =
      of(
          "rtmps.keyFile",
          optionalString(),
          "",
          "PEM file with the private key of rtmps.certFile (PKCS#8, or PKCS#1 RSA); required"
              + " with rtmps.enabled or https.enabled.");

  public static final Setting<Duration> RTMPS_RELOAD_INTERVAL =
      of(
          "rtmps.reloadInterval",
          duration("100ms", "1h"),
          "30s",
          "How often the certificate and key files are checked for changes (by RTMPS and HTTPS);"
              + " changed files are loaded for new connections while open ones keep their session.");

  public static final Setting<String> HTTP_HOST =
      of(
          "http.host",
          string(),
          "0.0.0.0",
          "Address the HTTP server (health, metrics, API, HTTP-FLV, LL-HLS) and HTTPS bind to.");

  public static final Setting<Integer> HTTP_PORT =
      of(
          "http.port",
          port(),
          "8080",
          "HTTP listen port (HTTP/1.1, and HTTP/2 cleartext by prior knowledge or Upgrade: h2c);"
              + " 0 picks a free port.");

  public static final Setting<String> API_TOKEN =
      secret(
          "api.token",
          optionalString(),
          "Bearer token of the HTTP control endpoints (POST /api/v1/recordings and DELETE"
              + " /api/v1/recordings/{app}/{stream}): a request must send Authorization: Bearer"
              + " <token>. Empty disables them (403). Reading endpoints need no token.");

  public static final Setting<Boolean> HTTPS_ENABLED =
      of(
          "https.enabled",
          bool(),
          "false",
          "Serve the HTTP endpoints over TLS 1.2 or 1.3 on https.port too, offering HTTP/2 and"
              + " HTTP/1.1 by ALPN, with the certificate of rtmps.certFile and rtmps.keyFile"
              + " (reloaded every rtmps.reloadInterval). HTTP-FLV and WebSocket-FLV stay on"
              + " http.port.");

  public static final Setting<Integer> HTTPS_PORT =
      of("https.port", port(), "8443", "HTTPS listen port; 0 picks a free port.");

  public static final Setting<Integer> HTTP_HTTP2_MAX_CONCURRENT_STREAMS =
      of(
          "http.http2.maxConcurrentStreams",
          integer(1, 10_000),
          "100",
          "Most requests open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS),"
              + " on http.port and https.port; an LL-HLS player holds about two (a blocking"
              + " playlist reload and a part), a CDN connection one pair per viewer it relays.");

  public static final Setting<Long> HTTP_SEND_BUFFER_SIZE =
      of(
          "http.sendBufferSize",
          size("0", "64MiB"),
          "128KiB",
          "Socket send buffer (SO_SNDBUF) of accepted HTTP connections. Bounds what the kernel"
              + " holds for an HTTP-FLV or WebSocket-FLV player beyond Cascade's own queue, so a"
              + " stalled player is detected and cut within seconds; 0 leaves it to the OS, whose"
              + " auto-tuning may hold several MiB.");

  public static final Setting<Duration> HTTP_IDLE_TIMEOUT =
      of(
          "http.idleTimeout",
          duration("1s", "10m"),
          "30s",
          "An HTTP connection that has neither read a byte nor finished a write for this long is"
              + " closed: idle keep-alive connections, and readers stalled in the middle of a playlist,"
              + " part or segment (whose bytes the node would otherwise hold). Must be longer than twice"
              + " hls.blockTimeout, the longest an HLS request may wait in silence. HTTP-FLV players are"
              + " written to all the time; a stalled one is cut sooner by its queue.");

  public static final Setting<Integer> HTTP_FLV_MAX_CONNECTIONS =
      of(
          "http.flv.maxConnections",
          integer(0, 1_000_000),
          "10000",
          "Most HTTP-FLV and WebSocket-FLV players (and requests waiting for admission) on this"
              + " node at once; a further one gets 503 max_connections. 0 turns HTTP-FLV off.");

  public static final Setting<Boolean> HLS_ENABLED =
      of(
          "hls.enabled",
          bool(),
          "true",
          "Serve LL-HLS and HLS (fMP4/CMAF) on the HTTP port at /{app}/{stream}/index.m3u8; each"
              + " stream is packaged once per node, on the first request for it.");

  public static final Setting<Duration> HLS_PART_TARGET =
      of(
          "hls.partTarget",
          duration("100ms", "2s"),
          "250ms",
          "Longest LL-HLS part (EXT-X-PART-INF PART-TARGET); parts are cut at frame boundaries,"
              + " so at 30 fps a part is 7 frames (233 ms). 250 ms keeps PART-HOLD-BACK (3x) at"
              + " 750 ms, within a 1.5 s glass-to-glass budget, with 4 part requests a second per"
              + " viewer instead of 5 at 200 ms.");

  public static final Setting<Duration> HLS_SEGMENT_TARGET =
      of(
          "hls.segmentTarget",
          duration("1s", "30s"),
          "2s",
          "Shortest HLS segment: one ends at the first video keyframe past this; EXT-X-TARGETDURATION"
              + " is this, rounded up, or the longest segment seen when the GOP is longer.");

  public static final Setting<Integer> HLS_WINDOW_SEGMENTS =
      of(
          "hls.windowSegments",
          integer(3, 100),
          "6",
          "Complete segments kept in memory and listed per stream; the oldest is dropped first.");

  public static final Setting<Long> HLS_MAX_WINDOW_BYTES =
      of(
          "hls.maxWindowBytes",
          size("1MiB", "1GiB"),
          "64MiB",
          "Most bytes of init segments and parts kept per stream per node; past it the oldest"
              + " segments are dropped (counted in cascade.hls.window.dropped).");

  public static final Setting<Duration> HLS_DVR_WINDOW =
      of(
          "hls.dvrWindow",
          duration("0", "2h"),
          "0",
          "DVR: the live media playlist keeps complete segments back this far behind the live edge"
              + " (at least hls.windowSegments), so a player can seek back and return to live; parts"
              + " are listed for the newest segments only, and players still start at the live edge."
              + " 0 turns it off. Memory is bounded by hls.dvrMaxBytes.");

  public static final Setting<Long> HLS_DVR_MAX_BYTES =
      of(
          "hls.dvrMaxBytes",
          size("1MiB", "16GiB"),
          "256MiB",
          "With hls.dvrWindow on, the most bytes of init segments and parts kept per stream per node"
              + " (in place of hls.maxWindowBytes); past it the oldest segments are dropped before"
              + " the DVR window is full (counted in cascade.hls.window.dropped).");

  public static final Setting<Integer> HLS_MAX_BLOCKED_REQUESTS =
      of(
          "hls.maxBlockedRequests",
          integer(0, 1_000_000),
          "20000",
          "Most HLS requests on this node waiting at once (blocking playlist reloads, preload-hinted"
              + " parts, first requests for a stream that is not live yet); a further one gets 503"
              + " max_blocked_requests.");

  public static final Setting<Integer> HLS_MAX_BLOCKED_PER_STREAM =
      of(
          "hls.maxBlockedPerStream",
          integer(0, 1_000_000),
          "10000",
          "Most HLS requests of one stream on this node waiting at once; a further one gets 503"
              + " max_blocked_per_stream, so one stream cannot take every waiting slot of the node.");

  public static final Setting<Duration> HLS_BLOCK_TIMEOUT =
      of(
          "hls.blockTimeout",
          duration("100ms", "1m"),
          "6s",
          "Longest wait of a blocking playlist reload (_HLS_msn) or of a preload-hinted part before"
              + " 503; the HLS spec asks for at least 3x the target duration (2 s segments: 6 s).");

  public static final Setting<Duration> HLS_VIEWER_IDLE =
      of(
          "hls.viewerIdle",
          duration("1s", "10m"),
          "10s",
          "An HLS viewer counts as watching until this long after its last request; a stream's"
              + " HLS packaging on a node stops once no viewer is left (on an edge, so does its pull).");

  public static final Setting<Integer> HLS_MAX_VIEWERS =
      of(
          "hls.maxViewers",
          integer(0, 1_000_000),
          "10000",
          "Most HLS viewers (distinct client address and query string) counted on this node at once;"
              + " a request of a further one gets 503 max_viewers.");

  public static final Setting<Integer> HLS_MAX_RENDITIONS =
      of(
          "hls.maxRenditions",
          integer(1, 255),
          "8",
          "Most renditions (Enhanced-RTMP multitrack video tracks, the default one included) packaged"
              + " per stream; the video of further tracks is left out of HLS, logged once per stream.");

  public static final Setting<List<RecordingRule>> RECORDING_RULES =
      of(
          "recording.rules",
          new ListType<>("rule", RecordingRule::parse),
          "",
          "Publishes an origin records to recording.root: APP/STREAM globs (* and ?), each"
              + " optionally followed by ;segment=DURATION and ;format=fmp4 (the only format yet),"
              + " e.g. live/*,events/cam-?;segment=4s. The first matching rule applies; none means"
              + " nothing is recorded.");

  public static final Setting<String> RECORDING_ROOT =
      of(
          "recording.root",
          string(),
          "recordings",
          "Directory recordings are written to, one per recording as"
              + " {root}/{app}/{stream}/{recordingId}/ with init.mp4, numbered .m4s segments and an"
              + " index.m3u8 playlist (EVENT while it grows, VOD once it ends).");

  public static final Setting<Duration> RECORDING_SEGMENT_DURATION =
      of(
          "recording.segmentDuration",
          duration("1s", "10m"),
          "6s",
          "Shortest recorded segment, for rules without their own: one is cut at the first video"
              + " keyframe past it, so a segment is this plus up to one GOP.");

  public static final Setting<Duration> RECORDING_MAX_DURATION =
      of(
          "recording.maxDuration",
          duration("1m", "168h"),
          "6h",
          "Longest recording: at the first segment past it the recording ends (its playlist becomes"
              + " VOD, it is uploaded and announced like any that ends) and the next segment starts a"
              + " new one, without a gap. Bounds a 24/7 stream's playlist, rewritten after every"
              + " segment, and what this node holds of it in memory. A recording another origin"
              + " continues after a failover counts from the continuation.");

  public static final Setting<Long> RECORDING_MAX_BYTES =
      of(
          "recording.maxBytes",
          size("1MiB", "1048576GiB"),
          "10GiB",
          "Most bytes of recordings kept under recording.root by this node; past it the oldest"
              + " ended recordings are deleted whole (cascade.recording.quota.deletions). Recordings"
              + " in progress are never deleted, nor, with recording.s3.enabled, one the object store"
              + " does not hold whole yet (a failed upload keeps it: the node runs over the quota).");

  public static final Setting<Boolean> RECORDING_DIRECT_WRITES =
      of(
          "recording.directWrites",
          bool(),
          "true",
          "Write segments with O_DIRECT, in 4 KiB blocks from one aligned 1 MiB buffer, instead of"
              + " through the page cache: the kernel no longer copies every recorded byte into"
              + " page-cache pages (about half the writer's CPU), and write-once recordings stop"
              + " evicting what players and uploads use; uploads and replays then read from the"
              + " device. A file system that refuses O_DIRECT (tmpfs) gets buffered writes, logged"
              + " once as recording.direct_writes_refused.");

  public static final Setting<FsyncPolicy> RECORDING_FSYNC =
      of(
          "recording.fsync",
          new EnumType<>(FsyncPolicy.class),
          "segment",
          "segment: fsync each segment before it is renamed into place, and its directory after,"
              + " so a power loss loses only the open segment. none: leave it to the kernel, which"
              + " can lose the last ~30 s of closed segments on a power loss. A killed process"
              + " (kill -9) loses only the part in flight either way: the parts written are in the"
              + " page cache or on the device, and the node's next start keeps the whole fragments of the open"
              + " segment's .tmp file as segment-NNNNN-s.m4s (fsynced whatever this says) and lists it.");

  public static final Setting<Long> RECORDING_MAX_PENDING_BYTES =
      of(
          "recording.maxPendingBytes",
          size("1MiB", "4GiB"),
          "64MiB",
          "Most media bytes of all recordings on this node waiting for the disk; past it parts are"
              + " dropped up to the next segment, which starts after a discontinuity"
              + " (cascade.recording.dropped). Live delivery never waits for the disk.");

  public static final Setting<Integer> RECORDING_LIST_MAX_LIMIT =
      of(
          "recording.list.maxLimit",
          integer(1, 100_000),
          "1000",
          "Most recordings one GET /api/v1/recordings answers with (its limit parameter, 100 by"
              + " default, is capped here); page on with from= the last start.");

  public static final Setting<String> RECORDING_WEBHOOK_URL =
      of(
          "recording.webhook.url",
          optionalString(),
          "",
          "URL POSTed a JSON event when a recorded segment is complete (action"
              + " recording_segment) and when a recording ends (recording_complete); with"
              + " recording.s3.enabled, after the file's upload, with its bucket and key. Empty: no"
              + " events. Sent like the auth end notifications, at most auth.webhook.maxConcurrent"
              + " at once and auth.webhook.maxQueued waiting; further ones are dropped and logged.");

  public static final Setting<Duration> RECORDING_WEBHOOK_TIMEOUT =
      of(
          "recording.webhook.timeout",
          duration("100ms", "1m"),
          "5s",
          "How long one recording event may take to be answered before it counts as failed (logged).");

  public static final Setting<Duration> RECORDING_HANDOVER_TTL =
      of(
          "recording.handover.ttl",
          duration("10s", "1h"),
          "2m",
          "How long the cluster keeps what a new owner needs to continue a recording (map"
              + " cascade.recordings, refreshed at each closed segment) after its origin stops"
              + " updating it: a publish of the stream on any origin within it continues the same"
              + " recording after a discontinuity; later ones start a new recording. Keep it longer"
              + " than the longest recorded segment, or a recording's entry lapses between two.");

  public static final Setting<Integer> RECORDING_HANDOVER_MAX_SEGMENTS =
      of(
          "recording.handover.maxSegments",
          integer(1, 100_000),
          "2000",
          "Most finished segments of one recording listed in its cluster handover entry, newest"
              + " kept: a new owner's playlist lists these and the segments before them are left out"
              + " of it (its media sequence counts them).");

  public static final Setting<Duration> RECORDING_HANDOVER_TIMEOUT =
      of(
          "recording.handover.timeout",
          duration("100ms", "1m"),
          "2s",
          "Longest a read or write of a recording's cluster handover entry may take (off the"
              + " event loops); a read that takes longer starts a new recording, a write that fails"
              + " is logged and counted and tried again at the next segment.");

  public static final Setting<Long> LIVE_GOP_CACHE_MAX_BYTES =
      of(
          "live.gopCache.maxBytes",
          size("64KiB", "1GiB"),
          "16MiB",
          "Most bytes of recent media kept per stream so that new players start at the last"
              + " keyframe.");

  public static final Setting<Duration> LIVE_GOP_CACHE_MAX_DURATION =
      of(
          "live.gopCache.maxDuration",
          duration("1s", "5m"),
          "10s",
          "Most media time kept in a stream's GOP cache.");

  public static final Setting<Duration> LIVE_PLAYER_WAIT_TIMEOUT =
      of(
          "live.playerWaitTimeout",
          duration("0", "1h"),
          "30s",
          "A player that asks for a stream that is not live yet waits this long for it;"
              + " 0 refuses at once.");

  public static final Setting<Duration> LIVE_REPUBLISH_WAIT_TIMEOUT =
      of(
          "live.republishWaitTimeout",
          duration("0", "1h"),
          "30s",
          "Players of a stream whose publisher left wait this long for a republish before"
              + " they are disconnected.");

  public static final Setting<Long> LIVE_SUBSCRIBER_MAX_QUEUE_BYTES =
      of(
          "live.subscriber.maxQueueBytes",
          size("64KiB", "1GiB"),
          "4MiB",
          "Most bytes queued for one player; beyond this it skips to the next keyframe.");

  public static final Setting<Duration> LIVE_SUBSCRIBER_MAX_QUEUE_DURATION =
      of(
          "live.subscriber.maxQueueDuration",
          duration("100ms", "1m"),
          "3s",
          "Most media time queued for one player; beyond this it skips to the next keyframe.");

  public static final Setting<Duration> LIVE_SUBSCRIBER_MAX_BEHIND_DURATION =
      of(
          "live.subscriber.maxBehindDuration",
          duration("1s", "1h"),
          "15s",
          "A player that keeps lagging or dropping for this long is disconnected; at least"
              + " live.subscriber.maxQueueDuration.");

  public static final Setting<Duration> LIVE_SUBSCRIBER_FLUSH_INTERVAL =
      of(
          "live.subscriber.flushInterval",
          duration("0", "200ms"),
          "10ms",
          "The longest a player's media may be held back to be written together with later"
              + " messages (fewer, larger writes cost less CPU per byte). In adaptive mode only a"
              + " loaded event loop holds writes back; in interval mode every write waits for it."
              + " 0 writes every message at once. Relays to edges are always written at once.");

  public static final Setting<FlushMode> LIVE_SUBSCRIBER_FLUSH_MODE =
      of(
          "live.subscriber.flushMode",
          new EnumType<>(FlushMode.class),
          "adaptive",
          "adaptive: write media to players at once while their event loop keeps up, and hold"
              + " writes back for up to live.subscriber.flushInterval only when another frame is"
              + " already queued or the loop is loaded (live.subscriber.flushBusyDelay): low lag"
              + " when there is CPU to spare, fewer writes when there is not. interval: always"
              + " hold writes for live.subscriber.flushInterval.");

  public static final Setting<Duration> LIVE_SUBSCRIBER_FLUSH_BUSY_DELAY =
      of(
          "live.subscriber.flushBusyDelay",
          duration("0", "1s"),
          "1ms",
          "In adaptive flush mode an event loop counts as loaded when frames wait in its task"
              + " queue longer than this on average (over about eight frames); a loaded loop"
              + " holds player writes for live.subscriber.flushInterval.");

  public static final Setting<Duration> LIVE_SUBSCRIBER_FLUSH_AUDIO_HOLD =
      of(
          "live.subscriber.flushAudioHold",
          duration("0", "200ms"),
          "12ms",
          "In adaptive flush mode, audio of a stream that has video waits for the next video"
              + " frame when that frame is due within this long (from the video's arrival"
              + " cadence), and goes out in the same write instead of one of its own; audio that"
              + " would wait longer is written at once. With live.subscriber.flushVideoHold as"
              + " long, an audio and a video frame that arrive within this long of each other go"
              + " out as one write, whichever comes first: at 30 fps with AAC about one write per"
              + " audio frame instead of one per frame, for at most this much more lag. A hold of"
              + " a video frame interval (34ms at 30 fps) with no video hold pairs every audio"
              + " frame with the next video frame instead: fewer writes still, up to a frame"
              + " interval more audio lag. Takes effect only when longer than"
              + " live.subscriber.flushInterval; 0 writes audio at once like video.");

  public static final Setting<Duration> LIVE_SUBSCRIBER_FLUSH_VIDEO_HOLD =
      of(
          "live.subscriber.flushVideoHold",
          duration("0", "200ms"),
          "12ms",
          "In adaptive flush mode, video of a stream that has audio waits for the next audio"
              + " frame when that frame is due within this long (from the audio's arrival"
              + " cadence), and goes out in the same write; video that would wait longer is"
              + " written at once. See live.subscriber.flushAudioHold, its counterpart. Takes"
              + " effect only when longer than live.subscriber.flushInterval; 0 writes video at"
              + " once.");

  public static final Setting<Long> LIVE_SUBSCRIBER_FLUSH_BYTES =
      of(
          "live.subscriber.flushBytes",
          size("0", "16MiB"),
          "0",
          "A media message at least this large is written to players at once, with whatever"
              + " was held back before it, instead of waiting for live.subscriber.flushInterval:"
              + " less lag for large messages (keyframes, high-bitrate video) at the cost of more"
              + " writes. 0 (off) holds every message for the interval.");

  public static final Setting<Long> LIVE_SUBSCRIBER_BATCH_MAX_BYTES =
      of(
          "live.subscriber.batchMaxBytes",
          size("1KiB", "64MiB"),
          "128KiB",
          "Media for a plain-RTMP or HTTP-FLV player collected between flushes goes to its socket as one"
              + " write of shared buffers; a batch that reaches this many bytes is handed to the"
              + " socket at once, so what is held outside the write buffer water marks stays"
              + " bounded.");

  public static final Setting<Integer> LIVE_MAX_STREAMS =
      of(
          "live.maxStreams",
          integer(1, 1_000_000),
          "1000",
          "Most live streams on this node, published or pulled; more are refused.");

  public static final Setting<Integer> LIVE_MAX_PLAYERS_PER_STREAM =
      of(
          "live.maxPlayersPerStream",
          integer(1, 1_000_000),
          "10000",
          "Most players of one stream on this node; more are refused.");

  public static final Setting<Integer> LIVE_MAX_WAITING_PLAYERS =
      of(
          "live.maxWaitingPlayers",
          integer(1, 1_000_000),
          "5000",
          "Most players on this node waiting for a stream that was not live when they asked"
              + " for it (see live.playerWaitTimeout); more are refused.");

  public static final Setting<Boolean> METRICS_ENABLED =
      of(
          "metrics.enabled",
          bool(),
          "true",
          "Serve Prometheus metrics at /metrics on the HTTP port and measure fan-out lag.");

  public static final Setting<Boolean> METRICS_PER_STREAM =
      of(
          "metrics.perStream",
          bool(),
          "false",
          "Also export series per stream (tag stream), for at most metrics.perStreamMax streams.");

  public static final Setting<Integer> METRICS_PER_STREAM_MAX =
      of(
          "metrics.perStreamMax",
          integer(1, 10_000),
          "100",
          "Most streams with series of their own when metrics.perStream is on; later streams"
              + " are counted only in the node totals.");

  public static final Setting<Integer> METRICS_MAX_APPS =
      of(
          "metrics.maxApps",
          integer(1, 1000),
          "20",
          "Most distinct values of the app tag; publishes and plays of further apps are"
              + " tagged app=\"_other\".");

  public static final Setting<Duration> METRICS_RELAY_CLOCK_INTERVAL =
      of(
          "metrics.relayClockInterval",
          duration("10ms", "10s"),
          "250ms",
          "How often an origin stamps its receive time into a relay to an edge, from which the"
              + " edge measures ingest lag (origin receive to player write).");

  public static final Setting<LogFormat> LOG_FORMAT =
      of(
          "log.format",
          new EnumType<>(LogFormat.class),
          "text",
          "Log lines as human-readable text or as one JSON object per line.");

  public static final Setting<String> CLUSTER_NAME =
      of(
          "cluster.name",
          string(),
          "cascade",
          "Cluster name; nodes join only members with the same name.");

  public static final Setting<String> CLUSTER_HOST =
      of(
          "cluster.host",
          string(),
          "0.0.0.0",
          "Address the cluster (Hazelcast) port binds to; 0.0.0.0 means every interface.");

  public static final Setting<Integer> CLUSTER_PORT =
      of(
          "cluster.port",
          port(),
          "5701",
          "Cluster (Hazelcast) port; 0 picks a free port.");

  public static final Setting<String> CLUSTER_ADVERTISED_HOST =
      of(
          "cluster.advertisedHost",
          optionalString(),
          "",
          "Address other nodes reach this one at, for cluster traffic and for edges pulling"
              + " streams; none means cluster.host when that is one address, else the first"
              + " site-local IPv4 address that is not loopback, else 127.0.0.1.");

  public static final Setting<List<HostPort>> CLUSTER_MEMBERS =
      of(
          "cluster.members",
          new ListType<>("host:port", HostPort::parse),
          "",
          "Hazelcast members to join; with none this node starts a cluster of its own.");

  public static final Setting<ClusterDiscovery> CLUSTER_DISCOVERY =
      of(
          "cluster.discovery",
          new EnumType<>(ClusterDiscovery.class),
          "tcp",
          "How members find each other: tcp uses cluster.members, kubernetes looks up"
              + " cluster.kubernetes.serviceDns.");

  public static final Setting<EdgeMode> CLUSTER_EDGE_MODE =
      of(
          "cluster.edgeMode",
          new EnumType<>(EdgeMode.class),
          "member",
          "How a leaf edge joins: member is a Hazelcast lite member (in the member list, connected"
              + " to and heartbeating every member; for tens of edges), client is a Hazelcast client"
              + " of the origins (one connection per origin, no clustered Vert.x; for hundreds of"
              + " edges and more, see docs/SCALE.md). Origins and parent edges are always members.");

  public static final Setting<String> CLUSTER_KUBERNETES_SERVICE_DNS =
      of(
          "cluster.kubernetes.serviceDns",
          optionalString(),
          "",
          "DNS name of the headless Service whose addresses are the cluster members, e.g."
              + " cascade-cluster.default.svc.cluster.local; required for kubernetes discovery.");

  public static final Setting<List<String>> CLUSTER_SECRET =
      secret(
          "cluster.secret",
          new ListType<>("secret", ConfigSchema::secretItem),
          "Shared secret that signs relay pulls from edges to origins; a comma-separated list"
              + " during rotation (the first signs, all are accepted). Never logged.");

  public static final Setting<Integer> CLUSTER_BACKUP_COUNT =
      of(
          "cluster.backupCount",
          integer(0, 6),
          "1",
          "Copies of each registry entry kept on other origins, so a dead origin loses none.");

  public static final Setting<Duration> CLUSTER_HEARTBEAT_INTERVAL =
      of(
          "cluster.heartbeatInterval",
          duration("1s", "30s"),
          "1s",
          "How often members send heartbeats (whole seconds; rounded up).");

  public static final Setting<Duration> CLUSTER_MEMBER_TIMEOUT =
      of(
          "cluster.memberTimeout",
          duration("2s", "5m"),
          "8s",
          "A member that sends no heartbeat for this long is declared dead and its streams are"
              + " released (whole seconds; rounded up); at least twice"
              + " cluster.heartbeatInterval.");

  public static final Setting<Duration> CLUSTER_CLAIM_CHECK_INTERVAL =
      of(
          "cluster.claimCheckInterval",
          duration("100ms", "1m"),
          "2s",
          "How often an origin checks that the registry still names it as the owner of each"
              + " stream it publishes.");

  public static final Setting<Boolean> ORIGIN_LOCAL_PLAYBACK =
      of(
          "origin.localPlayback",
          bool(),
          "true",
          "Whether players may play straight from this origin. When false only edges may pull,"
              + " each with a relay token signed by cluster.secret; other plays are refused.");

  public static final Setting<Duration> EDGE_UPSTREAM_IDLE_GRACE =
      of(
          "edge.upstreamIdleGrace",
          duration("0", "1h"),
          "10s",
          "An edge closes its pull of a stream this long after the stream's last player left.");

  public static final Setting<Duration> EDGE_UPSTREAM_BACKOFF_MIN =
      of(
          "edge.upstreamBackoffMin",
          duration("10ms", "1m"),
          "250ms",
          "First delay before an edge retries a failed pull from an origin; doubles, with"
              + " jitter, on each failure.");

  public static final Setting<Duration> EDGE_UPSTREAM_BACKOFF_MAX =
      of(
          "edge.upstreamBackoffMax",
          duration("10ms", "10m"),
          "5s",
          "Longest delay between an edge's retries of a failed pull; at least"
              + " edge.upstreamBackoffMin.");

  public static final Setting<Duration> EDGE_UPSTREAM_CONNECT_TIMEOUT =
      of(
          "edge.upstreamConnectTimeout",
          duration("100ms", "1m"),
          "5s",
          "An edge gives up connecting to an origin (TCP, handshake and play) after this long.");

  public static final Setting<Duration> EDGE_RELAY_TOKEN_TTL =
      of(
          "edge.relayTokenTtl",
          duration("5s", "1h"),
          "60s",
          "Lifetime of the signed token an edge sends when it pulls a stream from an origin.");

  public static final Setting<EdgeTier> EDGE_TIER =
      of(
          "edge.tier",
          new EnumType<>(EdgeTier.class),
          "leaf",
          "An edge's place in the tree of edges: leaf pulls each stream from the parent edge chosen"
              + " by rendezvous hashing of the stream key over the live parents (from the owning"
              + " origin when none is alive); parent announces itself, pulls from the origins and"
              + " serves leaves.");

  public static final Setting<Duration> EDGE_REHOME_JITTER =
      of(
          "edge.rehomeJitter",
          duration("0", "10s"),
          "300ms",
          "A leaf whose parent edge left or failed pulls the stream from the next parent after a"
              + " random delay up to this long, so the leaves of a lost parent do not all arrive at"
              + " once.");

  /**
   * The admission rules of one action (publish or play), combinable: every rule that is set must
   * pass, address lists first, then the signed key, then the webhook.
   */
  public record AuthRules(
      String action,
      Setting<List<String>> apps,
      Setting<List<Cidr>> allow,
      Setting<List<Cidr>> deny,
      Setting<List<String>> secrets,
      Setting<String> webhookUrl,
      Setting<Duration> webhookTimeout,
      Setting<Boolean> webhookFailOpen) {}

  public static final AuthRules AUTH_PUBLISH = authRules("publish", "publishes", "unpublish");

  public static final AuthRules AUTH_PLAY = authRules("play", "plays", "stop");

  public static final Setting<Integer> AUTH_WEBHOOK_MAX_CONCURRENT =
      of(
          "auth.webhook.maxConcurrent",
          integer(1, 1000),
          "16",
          "Most end notifications (unpublish, stop) sent to webhooks at once; more wait in"
              + " a queue. The recording events (recording.webhook.url) have a queue of their own"
              + " with the same bounds.");

  public static final Setting<Integer> AUTH_WEBHOOK_MAX_QUEUED =
      of(
          "auth.webhook.maxQueued",
          integer(0, 1_000_000),
          "1000",
          "Most end notifications waiting to be sent; when the queue is full further"
              + " notifications are dropped and logged.");

  public static final Setting<Boolean> RECORDING_S3_ENABLED =
      of(
          "recording.s3.enabled",
          bool(),
          "false",
          "Upload finished recording files to S3-compatible object storage. Credentials come from"
              + " the AWS SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a"
              + " profile, web identity, the container or instance role), never from this file,"
              + " and are never logged.");

  public static final Setting<String> RECORDING_S3_ENDPOINT =
      of(
          "recording.s3.endpoint",
          optionalString(),
          "",
          "URL of an S3-compatible service (e.g. http://minio:9000); empty uses AWS S3 in"
              + " recording.s3.region. With an endpoint set, request checksums are sent only where"
              + " the S3 API requires them (not every such service accepts the SDK's default ones).");

  public static final Setting<String> RECORDING_S3_REGION =
      of(
          "recording.s3.region",
          string(),
          "us-east-1",
          "Region the requests are signed for (and of the AWS endpoint when none is set).");

  public static final Setting<String> RECORDING_S3_BUCKET =
      of(
          "recording.s3.bucket",
          optionalString(),
          "",
          "Bucket the recordings go to; required with recording.s3.enabled. It must exist:"
              + " a missing bucket fails each upload at once (no_such_bucket), it is not created.");

  public static final Setting<String> RECORDING_S3_PREFIX =
      of(
          "recording.s3.prefix",
          optionalString(),
          "",
          "Put in front of every object key, e.g. `recordings/`.");

  public static final Setting<Boolean> RECORDING_S3_PATH_STYLE =
      of(
          "recording.s3.pathStyle",
          bool(),
          "false",
          "Address the bucket in the URL path (http://host/bucket/key) instead of the host name;"
              + " most S3-compatible services on a plain host:port need it.");

  public static final Setting<Long> RECORDING_S3_MULTIPART_THRESHOLD =
      of(
          "recording.s3.multipartThreshold",
          size("5MiB", "5GiB"),
          "64MiB",
          "Files of at least this size are uploaded in parts (multipart upload), so a failure"
              + " sends one part again instead of the whole file; smaller ones in one PUT.");

  public static final Setting<Long> RECORDING_S3_PART_SIZE =
      of(
          "recording.s3.partSize",
          size("5MiB", "5GiB"),
          "16MiB",
          "Size of each part of a multipart upload but the last (S3 allows 5 MiB to 5 GiB and"
              + " 10000 parts; a file too large for 10000 parts of this size gets larger ones).");

  public static final Setting<Integer> RECORDING_S3_MAX_CONCURRENT_UPLOADS =
      of(
          "recording.s3.maxConcurrentUploads",
          integer(1, 64),
          "2",
          "Files uploaded at once, each on one of as many dedicated threads (the SDK's calls"
              + " block; they never run on an event loop).");

  public static final Setting<Integer> RECORDING_S3_MAX_QUEUED_UPLOADS =
      of(
          "recording.s3.maxQueuedUploads",
          integer(0, 1_000_000),
          "1000",
          "Files waiting for an upload slot; a file handed over when the queue is full is not"
              + " uploaded, stays on local disk and is counted (reason queue_full).");

  public static final Setting<Integer> RECORDING_S3_REQUEUE_MAX_FILES =
      of(
          "recording.s3.requeueMaxFiles",
          integer(0, 1_000_000),
          "50000",
          "Files of recordings an earlier run left on disk without the store's confirmation"
              + " (killed or stopped with uploads queued or failing) that start-up queues for"
              + " upload again, at most maxConcurrentUploads of them at a time; a recording past"
              + " this count stays on disk until a later start (0: none).");

  public static final Setting<Integer> RECORDING_S3_RETRY_ATTEMPTS =
      of(
          "recording.s3.retry.attempts",
          integer(1, 100),
          "8",
          "Attempts of each request (a PUT, one part) that fails with a network error, a"
              + " timeout, 408, 429 or 5xx; the upload fails after the last (retries_exhausted)"
              + " and the file stays local. Refusals (403, 404, other 4xx) are not retried.");

  public static final Setting<Duration> RECORDING_S3_RETRY_BACKOFF_MIN =
      of(
          "recording.s3.retry.backoffMin",
          duration("10ms", "10m"),
          "1s",
          "Delay before the first retry of a request; doubles, with jitter, on each retry.");

  public static final Setting<Duration> RECORDING_S3_RETRY_BACKOFF_MAX =
      of(
          "recording.s3.retry.backoffMax",
          duration("10ms", "1h"),
          "1m",
          "Longest delay between retries of a request; at least recording.s3.retry.backoffMin.");

  public static final Setting<Duration> RECORDING_S3_ATTEMPT_TIMEOUT =
      of(
          "recording.s3.attemptTimeout",
          duration("1s", "1h"),
          "5m",
          "Longest one request may take, the sending of a whole part included; then it counts"
              + " as failed and is retried.");


  private static final List<Setting<?>> SETTINGS = List.copyOf(DECLARED);

  /**
   * A check that involves two settings, applied once both are valid on their own. The message reads
   * "{@code setting} (value) {@code relation} {@code other} (value)".
   */
  record Constraint<A, B>(
      Setting<A> setting, String relation, Setting<B> other, BiPredicate<A, B> rule) {

    /** Whether the rule holds for {@code values}, keyed by path. */
    boolean holds(Map<String, Object> values) {
      return rule.test(
          setting.cast(values.get(setting.path())), other.cast(values.get(other.path())));
    }
  }

  private static final List<Constraint<?, ?>> CONSTRAINTS =
      List.of(
          new Constraint<>(
              RTMP_WRITE_BUFFER_HIGH_WATER_MARK,
              "must be greater than",
              RTMP_WRITE_BUFFER_LOW_WATER_MARK,
              (high, low) -> high > low),
          new Constraint<>(
              RTMP_MAX_PENDING_BYTES,
              "must be at least",
              RTMP_MAX_MESSAGE_SIZE,
              (pending, message) -> pending >= message),
          new Constraint<>(
              LIVE_SUBSCRIBER_MAX_BEHIND_DURATION,
              "must be at least",
              LIVE_SUBSCRIBER_MAX_QUEUE_DURATION,
              (behind, queue) -> behind.compareTo(queue) >= 0),
          new Constraint<>(
              CLUSTER_KUBERNETES_SERVICE_DNS,
              "must be set for",
              CLUSTER_DISCOVERY,
              (dns, discovery) -> discovery != ClusterDiscovery.KUBERNETES || !dns.isEmpty()),
          new Constraint<>(
              CLUSTER_MEMBER_TIMEOUT,
              "must be at least twice",
              CLUSTER_HEARTBEAT_INTERVAL,
              (timeout, heartbeat) -> timeout.compareTo(heartbeat.multipliedBy(2)) >= 0),
          new Constraint<>(
              RTMPS_CERT_FILE,
              "must be set for",
              RTMPS_ENABLED,
              (file, enabled) -> !enabled || !file.isEmpty()),
          new Constraint<>(
              RTMPS_KEY_FILE,
              "must be set for",
              RTMPS_ENABLED,
              (file, enabled) -> !enabled || !file.isEmpty()),
          new Constraint<>(
              RTMPS_CERT_FILE,
              "must be set for",
              HTTPS_ENABLED,
              (file, enabled) -> !enabled || !file.isEmpty()),
          new Constraint<>(
              RTMPS_KEY_FILE,
              "must be set for",
              HTTPS_ENABLED,
              (file, enabled) -> !enabled || !file.isEmpty()),
          new Constraint<>(
              HTTP_IDLE_TIMEOUT,
              "must be longer than twice",
              HLS_BLOCK_TIMEOUT,
              (idle, block) -> idle.compareTo(block.multipliedBy(2)) > 0),
          new Constraint<>(
              EDGE_UPSTREAM_BACKOFF_MAX,
              "must be at least",
              EDGE_UPSTREAM_BACKOFF_MIN,
              (max, min) -> max.compareTo(min) >= 0),
          new Constraint<>(
              RECORDING_S3_BUCKET,
              "must be set for",
              RECORDING_S3_ENABLED,
              (bucket, enabled) -> !enabled || !bucket.isEmpty()),
          new Constraint<>(
              RECORDING_S3_RETRY_BACKOFF_MAX,
              "must be at least",
              RECORDING_S3_RETRY_BACKOFF_MIN,
              (max, min) -> max.compareTo(min) >= 0));

  private static final Map<String, Setting<?>> BY_PATH = index(false);
  private static final Map<String, Setting<?>> BY_ENV_NAME = index(true);
  private static final Set<String> SECTIONS = sections();

  private ConfigSchema() {}

  /** All settings in docs order. */
  public static List<Setting<?>> settings() {
    return SETTINGS;
  }

  public static Optional<Setting<?>> byPath(String path) {
    return Optional.ofNullable(BY_PATH.get(path));
  }

  public static Optional<Setting<?>> byEnvName(String name) {
    return Optional.ofNullable(BY_ENV_NAME.get(name));
  }

  /** Whether {@code path} names a section that holds settings, such as {@code rtmp.amf}. */
  static boolean isSection(String path) {
    return SECTIONS.contains(path);
  }

  static List<Constraint<?, ?>> constraints() {
    return CONSTRAINTS;
  }

  /** The settings table of {@code docs/CONFIGURATION.md}. */
  public static String markdownTable() {
    StringBuilder table =
        new StringBuilder("| Key | Environment variable | Type | Default | Description |\n")
            .append("|---|---|---|---|---|\n");
    for (Setting<?> s : SETTINGS) {
      table.append(markdownRow(s)).append('\n');
    }
    return table.toString();
  }

  static String markdownRow(Setting<?> s) {
    return String.join(
        " | ",
        "| `" + s.path() + "`",
        "`" + s.envName() + "`",
        s.type().describe(),
        s.defaultDoc(),
        s.description().replace("|", "\\|") + " |");
  }

  /** Paths and env names must be unique: two paths such as a.bC and a.b.c share one env name. */
  private static Map<String, Setting<?>> index(boolean byEnvName) {
    Map<String, Setting<?>> index = new LinkedHashMap<>();
    for (Setting<?> s : SETTINGS) {
      String key = byEnvName ? s.envName() : s.path();
      Setting<?> clash = index.put(key, s);
      if (clash != null) {
        throw new IllegalStateException(clash + " and " + s + " both map to " + key);
      }
    }
    return index;
  }

  private static Set<String> sections() {
    Set<String> sections = new HashSet<>();
    for (Setting<?> s : SETTINGS) {
      for (int dot = s.path().indexOf('.'); dot > 0; dot = s.path().indexOf('.', dot + 1)) {
        sections.add(s.path().substring(0, dot));
      }
    }
    return sections;
  }

  private static AuthRules authRules(String action, String plural, String endAction) {
    String p = "auth." + action + ".";
    return new AuthRules(
        action,
        of(
            p + "apps",
            new ListType<>("app", ConfigSchema::appItem),
            "",
            "Apps whose " + plural + " the auth." + action + " rules apply to; none means every app."),
        of(
            p + "allow",
            new ListType<>("CIDR", Cidr::parse),
            "",
            "Client networks (e.g. 10.0.0.0/8, 2001:db8::/32, or single addresses) allowed to "
                + action + "; none means any address not denied."),
        of(
            p + "deny",
            new ListType<>("CIDR", Cidr::parse),
            "",
            "Client networks refused for " + plural + ", even when auth." + action
                + ".allow lists them."),
        secret(
            p + "secrets",
            new ListType<>("secret", ConfigSchema::secretItem),
            "Secrets that sign stream keys: when any is set, " + plural + " must carry"
                + " ?exp=<unix seconds>&sig=<hex HMAC-SHA256(secret, \"app/stream:exp\")>."
                + " Comma-separated during rotation (any verifies). Never logged."),
        secret(
            p + "webhook.url",
            optionalString(),
            "HTTP(S) URL that is POSTed {action, app, stream, params, clientIp, node} as JSON"
                + " before each " + action + ": a 2xx answer allows it, anything else refuses it."
                + " It is also told of each " + endAction
                + " (action " + endAction + ", answer ignored)."
                + " Never logged, as it may carry a token."),
        of(
            p + "webhook.timeout",
            duration("100ms", "1m"),
            "3s",
            "How long a " + action + " waits for the webhook's answer."),
        of(
            p + "webhook.failOpen",
            bool(),
            "false",
            "Whether a " + action + " is allowed when the webhook cannot be reached, times out or"
                + " answers 5xx; by default it is refused (fail closed). Any other answer that is"
                + " not 2xx always refuses."));
  }

  private static <T> Setting<T> of(
      String path, ValueType<T> type, String defaultText, String description) {
    return declare(Setting.of(path, type, defaultText, description));
  }

  private static <T> Setting<T> secret(String path, ValueType<T> type, String description) {
    return declare(Setting.secret(path, type, description));
  }

  private static <T> Setting<T> computed(
      String path,
      ValueType<T> type,
      Supplier<T> defaultValue,
      String defaultDoc,
      String description) {
    return declare(Setting.computed(path, type, defaultValue, defaultDoc, description));
  }

  private static <T> Setting<T> declare(Setting<T> setting) {
    DECLARED.add(setting);
    return setting;
  }

  private static String appItem(String item) {
    if (item.contains("?") || item.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("'" + item + "' is not an app name");
    }
    return item;
  }

  private static BooleanType bool() {
    return new BooleanType();
  }

  private static StringType string() {
    return new StringType();
  }

  /** A string whose empty value means "not set" (the setting's description says what then). */
  private static StringType optionalString() {
    return new StringType(true);
  }

  /** Items of a secret list; the message must not quote the item, it is a secret. */
  private static String secretItem(String item) {
    if (item.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("a secret contains white space");
    }
    return item;
  }

  /** Ports allow 0, which asks the OS for a free port (tests rely on it). */
  private static IntType port() {
    return new IntType(0, 65535);
  }

  private static IntType integer(int min, int max) {
    return new IntType(min, max);
  }

  /** RTMP protocol-control values are unsigned 32-bit on the wire. */
  private static LongType uint32() {
    return new LongType(1, 0xFFFF_FFFFL);
  }

  private static DurationType duration(String min, String max) {
    DurationType unbounded = new DurationType(Duration.ZERO, Duration.ofDays(365));
    return new DurationType(
        unbounded.parseText(min), unbounded.parseText(max));
  }

  private static SizeType size(String min, String max) {
    SizeType unbounded = new SizeType(0, Long.MAX_VALUE);
    return new SizeType(unbounded.parseText(min), unbounded.parseText(max));
  }

  /**
   * The pod name in Kubernetes ($HOSTNAME, which needs no name lookup), else the host name, else a
   * random id so that two nodes never share one by accident.
   */
  private static String hostnameOrRandom() {
    String fromEnv = System.getenv("HOSTNAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.trim();
    }
    try {
      String name = InetAddress.getLocalHost().getHostName();
      if (!name.isBlank()) {
        return name;
      }
    } catch (UnknownHostException e) {
      // No usable host name; the random id below still identifies the node.
    }
    return "cascade-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }
}
