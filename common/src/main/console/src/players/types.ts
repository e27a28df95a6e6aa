/** Playback protocols the console offers; each has a player module under players/. */
export type Protocol = "flv" | "hls";

/** What a player reports back to the panel. */
export interface PlayerEvents {
  /** A fatal error: playback stopped. */
  error(message: string): void;
  /** The server ended the stream (publisher gone). */
  ended(): void;
  /** An error the player recovered from by itself (a retried request, a nudged stall); playback goes on. */
  recovered(message: string): void;
}

/** One stream playing into one video element; destroy() detaches it and frees its buffers. */
export interface StreamPlayer {
  destroy(): void;
  /** Seconds from the playhead to the live edge as the player estimates it; null when it has no estimate. */
  latency?(): number | null;
  /**
   * The playhead's wall-clock time in ms since the epoch, as the stream's program date-time maps it
   * (LL-HLS: hls.playingDate, from EXT-X-PROGRAM-DATE-TIME); null when the stream carries none.
   */
  playingDate?(): number | null;
}

export type PlayerFactory = (video: HTMLVideoElement, streamKey: string, events: PlayerEvents) => StreamPlayer;

/** "live/my stream" → "/live/my%20stream" */
export function streamPath(streamKey: string): string {
  return "/" + streamKey.split("/").map(encodeURIComponent).join("/");
}
