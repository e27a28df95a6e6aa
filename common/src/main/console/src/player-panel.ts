import { createFlvPlayer } from "./players/flv";
import type { PlayerFactory, Protocol, StreamPlayer } from "./players/types";

/** LL-HLS (hls.js) joins here as players/hls.ts; until then its radio button stays disabled. */
const FACTORIES: Partial<Record<Protocol, PlayerFactory>> = {
  flv: createFlvPlayer,
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
}

/** The player section: one video element, one stream at a time, over the chosen protocol. */
export class PlayerPanel {
  private player: StreamPlayer | null = null;
  private key: string | null = null;
  private state: PlayerState = "idle";
  private error: string | null = null;

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
    this.setState("loading");
    this.title.textContent = key;
    this.title.hidden = false;
    this.placeholder.hidden = true;
    this.video.controls = true;
    const factory = FACTORIES[this.protocol];
    if (!factory) {
      this.fail(`${this.protocol} playback is not available yet`);
      return;
    }
    try {
      this.player = factory(this.video, key, {
        error: (message) => this.fail(message),
        ended: () => this.setState("ended"),
      });
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
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
    };
  }

  private stop(): void {
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
    this.statsLine.textContent =
      s.state === "playing"
        ? `${s.width}×${s.height} · ${s.totalVideoFrames} frames decoded · ${s.bufferedSeconds.toFixed(1)} s buffered`
        : "";
  }
}
