import mpegts from "mpegts.js";
import { streamPath, type PlayerEvents, type StreamPlayer } from "./types";

// mpegts.js logs every loader step at info level; keep the browser console for real problems.
mpegts.LoggingControl.applyConfig({ enableDebug: false, enableVerbose: false, enableInfo: false });

/** HTTP-FLV from the node's GET /{app}/{stream}.flv, transmuxed to MSE by mpegts.js. */
export function createFlvPlayer(video: HTMLVideoElement, streamKey: string, events: PlayerEvents): StreamPlayer {
  if (!mpegts.isSupported()) {
    throw new Error("this browser has no Media Source Extensions, which HTTP-FLV playback needs");
  }
  const player = mpegts.createPlayer(
    { type: "flv", isLive: true, url: streamPath(streamKey) + ".flv" },
    {
      enableStashBuffer: false, // lowest latency: hand data to the demuxer as it arrives
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 2,
      liveBufferLatencyMinRemain: 0.3,
    },
  );
  player.on(mpegts.Events.ERROR, (type: string, detail: string, info: unknown) => {
    events.error(`${type}: ${detail}${describe(info)}`);
  });
  player.on(mpegts.Events.LOADING_COMPLETE, () => events.ended());
  player.attachMediaElement(video);
  player.load();
  // Autoplay of a muted video is allowed; a refusal is not fatal, the controls can start it.
  void Promise.resolve(player.play()).catch(() => undefined);
  return {
    destroy() {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    },
  };
}

function describe(info: unknown): string {
  if (info && typeof info === "object" && "msg" in info) {
    return ` (${String((info as { msg: unknown }).msg)})`;
  }
  return "";
}
