import type { PlayerFactory, Protocol, StreamPlayer } from "./players/types";

/**
 * Each protocol's player in a chunk of its own (mpegts.js ~170 kB, hls.js light ~370 kB minified):
 * the page loads the one it plays with, when it first plays.
 */
const FACTORIES: Record<Protocol, () => Promise<PlayerFactory>> = {
  flv: () => import("./players/flv").then((m) => m.createFlvPlayer),
  hls: () => import("./players/hls").then((m) => m.createHlsPlayer),
};

export type PlayerState = "idle" | "loading" | "playing" | "ended" | "error";

/** What window.cascadeConsole.status().player reports, read live from the video element. */
export interface PlayerStatus {
  key: string | null;
  protocol: Protocol;
  state: PlayerState;
  error: string | null;
  totalVideoFrames: number;
  droppedVideoFrames: number;
  currentTime: number;
  bufferedSeconds: number;
  width: number;
  height: number;
  /** Seconds behind the live edge by the player's estimate (LL-HLS: hls.latency); null without one. */
  latency: number | null;
  /**
   * The playhead's wall-clock time (ms since the epoch) by the stream's program date-time, null
   * without one: Date.now() minus it is the delay from the ingest's clock to the picture shown.
   */
  playingDate: number | null;
  /** Errors the player recovered from by itself since this stream started, and the last of them. */
  recoveredErrors: number;
  lastRecoveredError: string | null;
}

/** The player section: one video element, one stream at a time, over the chosen protocol. */
export class PlayerPanel {
  private player: StreamPlayer | null = null;
  private key: string | null = null;
  private state: PlayerState = "idle";
  private error: string | null = null;
  /** Counts play() and stop() calls: a player module that finishes loading after another choice is not started. */
  private generation = 0;
  private recoveredErrors = 0;
  private lastRecoveredError: string | null = null;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly title: HTMLElement,
    private readonly placeholder: HTMLElement,
    private readonly statusLine: HTMLElement,
    private readonly statsLine: HTMLElement,
    private protocol: Protocol,
  ) {
    video.addEventListener("playing", () => this.setState("playing"));
    video.addEventListener("error", () => {
      // Detaching a player empties the element, which some browsers report as an error too.
      if (this.player !== null) {
        this.fail(`video element: ${video.error?.message || "decode error"}`);
      }
    });
    // The stats follow playback without a timer of their own; they sit outside the live region so
    // screen readers announce state changes only.
    video.addEventListener("timeupdate", () => this.renderStats());
  }

  play(key: string): void {
    this.stop();
    this.key = key;
    this.error = null;
    this.recoveredErrors = 0;
    this.lastRecoveredError = null;
    this.setState("loading");
    this.title.textContent = key;
    this.title.hidden = false;
    this.placeholder.hidden = true;
    this.video.controls = true;
    const generation = this.generation;
    const protocol = this.protocol;
    FACTORIES[protocol]().then(
      (factory) => {
        if (generation !== this.generation) {
          return;
        }
        try {
          this.player = factory(this.video, key, {
            error: (message) => this.fail(message),
            ended: () => this.setState("ended"),
            recovered: (message) => {
              this.recoveredErrors++;
              this.lastRecoveredError = message;
              this.renderStats();
            },
          });
        } catch (e) {
          this.fail(e instanceof Error ? e.message : String(e));
        }
      },
      (e: unknown) => {
        if (generation === this.generation) {
          this.fail(`could not load the ${protocol} player: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
    );
  }

  useProtocol(protocol: Protocol): void {
    this.protocol = protocol;
    if (this.key !== null) {
      this.play(this.key);
    }
  }

  status(): PlayerStatus {
    const quality = this.video.getVideoPlaybackQuality();
    const buffered = this.video.buffered;
    const end = buffered.length > 0 ? buffered.end(buffered.length - 1) : this.video.currentTime;
    return {
      key: this.key,
      protocol: this.protocol,
      state: this.state,
      error: this.error,
      totalVideoFrames: quality.totalVideoFrames,
      droppedVideoFrames: quality.droppedVideoFrames,
      currentTime: this.video.currentTime,
      bufferedSeconds: Math.max(0, end - this.video.currentTime),
      width: this.video.videoWidth,
      height: this.video.videoHeight,
      latency: this.player?.latency?.() ?? null,
      playingDate: this.player?.playingDate?.() ?? null,
      recoveredErrors: this.recoveredErrors,
      lastRecoveredError: this.lastRecoveredError,
    };
  }

  private stop(): void {
    this.generation++;
    this.player?.destroy();
    this.player = null;
  }

  private fail(message: string): void {
    this.error = message;
    // Errors arrive inside the player's own callbacks: tear it down after they return.
    const failed = this.player;
    this.player = null;
    window.setTimeout(() => failed?.destroy());
    this.setState("error");
  }

  private setState(state: PlayerState): void {
    this.state = state;
    this.render();
  }

  private render(): void {
    const protocol = this.protocol === "flv" ? "HTTP-FLV" : "LL-HLS";
    this.statusLine.dataset.state = this.state;
    this.statusLine.textContent = {
      idle: "",
      loading: `Connecting over ${protocol}…`,
      playing: `Playing over ${protocol}`,
      ended: "The stream ended.",
      error: `Playback failed: ${this.error}`,
    }[this.state];
    this.renderStats();
  }

  private renderStats(): void {
    const s = this.status();
    if (s.state !== "playing") {
      this.statsLine.textContent = "";
      this.statsLine.title = "";
      return;
    }
    const parts = [
      `${s.width}×${s.height}`,
      `${s.totalVideoFrames} frames decoded`,
      `${s.bufferedSeconds.toFixed(1)} s buffered`,
    ];
    if (s.latency !== null) {
      parts.push(`${s.latency.toFixed(1)} s behind live`);
    }
    if (s.recoveredErrors > 0) {
      parts.push(`${s.recoveredErrors} recovered error${s.recoveredErrors === 1 ? "" : "s"}`);
    }
    this.statsLine.textContent = parts.join(" · ");
    // The last recovered error in full on hover; the line itself stays short.
    this.statsLine.title = s.lastRecoveredError ?? "";
  }
}
