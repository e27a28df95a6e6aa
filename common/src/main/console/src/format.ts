export function formatBitrate(bitsPerSecond: number | null): string {
  if (bitsPerSecond === null) {
    return "–";
  }
  if (bitsPerSecond >= 1e6) {
    return `${(bitsPerSecond / 1e6).toFixed(bitsPerSecond >= 1e7 ? 0 : 1)} Mbit/s`;
  }
  return `${Math.round(bitsPerSecond / 1e3)} kbit/s`;
}

export function formatUptime(seconds: number | null): string {
  if (seconds === null) {
    return "–";
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (h > 0) {
    return `${h}h ${String(m).padStart(2, "0")}m`;
  }
  return m > 0 ? `${m}m ${String(s).padStart(2, "0")}s` : `${s}s`;
}

export function formatCodecs(video: string, audio: string): string {
  return [video, audio].filter((c) => c !== "").join(" + ") || "–";
}
