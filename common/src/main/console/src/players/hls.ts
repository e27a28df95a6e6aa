// The light build keeps low-latency HLS (parts, preload hints, blocking reload, delta updates) and
// leaves out what a node's playlists never carry: alternate audio, subtitles, DRM, CMCD.
import Hls, { type ErrorData } from "hls.js/light";
import { streamPath, type PlayerEvents, type StreamPlayer } from "./types";

const HLS_MIME = "application/vnd.apple.mpegurl";

/**
 * LL-HLS from the node's GET /{app}/{stream}/index.m3u8: hls.js with low-latency mode on, or the
 * browser's own HLS (Safari) where Media Source Extensions are missing.
 */
export function createHlsPlayer(video: HTMLVideoElement, streamKey: string, events: PlayerEvents): StreamPlayer {
  const url = streamPath(streamKey) + "/index.m3u8";
  const onEnded = () => events.ended();
  video.addEventListener("ended", onEnded);
  if (!Hls.isSupported()) {
    if (video.canPlayType(HLS_MIME) === "") {
      video.removeEventListener("ended", onEnded);
      throw new Error("this browser has neither Media Source Extensions nor native HLS, which LL-HLS playback needs");
    }
    video.src = url;
    void video.play().catch(() => undefined);
    return {
      latency: () => null,
      destroy() {
        video.removeEventListener("ended", onEnded);
        video.removeAttribute("src");
        video.load();
      },
    };
  }
  const hls = new Hls({
    lowLatencyMode: true,
    // The node sends fMP4 (CMAF) parts, which need no transmuxing: no worker (the ESM build inlines none).
    enableWorker: false,
    // Seconds kept behind the playhead: enough to pause briefly, bounded for a page left open.
    backBufferLength: 30,
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    // Non-fatal errors (a part not ready yet, a stall hls.js nudges past) are recovered by hls.js.
    if (data.fatal) {
      events.error(describe(data));
    } else {
      events.recovered(describe(data));
    }
  });
  hls.attachMedia(video);
  hls.loadSource(url);
  // Autoplay of a muted video is allowed; a refusal is not fatal, the controls can start it.
  void video.play().catch(() => undefined);
  return {
    // hls.js's estimate of the playhead's distance from the live edge, 0 before the first playlist.
    latency: () => (hls.media && hls.latency > 0 ? hls.latency : null),
    playingDate: () => hls.playingDate?.getTime() ?? null,
    destroy() {
      video.removeEventListener("ended", onEnded);
      hls.destroy();
    },
  };
}

function describe(data: ErrorData): string {
  const status = data.response?.code ? ` HTTP ${data.response.code}` : "";
  const reason = data.error?.message ?? data.reason ?? "";
  return `${data.type}: ${data.details}${status}${reason ? ` (${reason})` : ""}`;
}
