// Reads GET /api/v1/streams. A clustered node answers with registry records (owner object,
// viewers per node, ingest bitrate); a standalone node answers with its own streams only. Both are
// mapped to one row shape here so the rest of the page needs no branches.

export interface NodeViewers {
  node: string;
  role: string | null;
  players: number;
}

export interface StreamRow {
  key: string;
  owner: string;
  videoCodec: string;
  audioCodec: string;
  /** bits per second at the owner; null when the node does not report it */
  ingestBitrate: number | null;
  uptimeSeconds: number | null;
  viewers: number;
  viewersByNode: NodeViewers[];
}

export interface StreamList {
  node: string;
  role: string;
  streams: StreamRow[];
}

type Json = Record<string, unknown>;

/** Reads the list; for a standalone node's own streams it derives the ingest bitrate from bytesIn. */
export class StreamsApi {
  /** bytesIn per stream at the previous read; only streams of the last answer are kept. */
  private previous = new Map<string, { bytes: number; at: number }>();

  async fetch(signal: AbortSignal): Promise<StreamList> {
    const response = await fetch("/api/v1/streams", { signal, headers: { accept: "application/json" } });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status} from /api/v1/streams`);
    }
    const body = (await response.json()) as Json;
    const streams = Array.isArray(body.streams) ? (body.streams as Json[]) : [];
    const now = performance.now();
    const seen = new Map<string, { bytes: number; at: number }>();
    const rows = streams.map((s) => {
      if (typeof s.owner === "object" && s.owner !== null) {
        return fromRegistry(s);
      }
      const row = fromLocal(s);
      const bytes = numberOrNull(s.bytesIn);
      const before = this.previous.get(row.key);
      if (bytes !== null) {
        seen.set(row.key, { bytes, at: now });
        if (before && now > before.at && bytes >= before.bytes) {
          row.ingestBitrate = ((bytes - before.bytes) * 8 * 1000) / (now - before.at);
        }
      }
      return row;
    });
    this.previous = seen;
    return { node: text(body.node), role: text(body.role), streams: rows };
  }
}

function fromRegistry(s: Json): StreamRow {
  const byNode = (s.viewersByNode ?? {}) as Record<string, Json>;
  return {
    key: text(s.key),
    owner: text((s.owner as Json).node),
    videoCodec: text(s.videoCodec),
    audioCodec: text(s.audioCodec),
    ingestBitrate: numberOrNull(s.ingestBitrate),
    uptimeSeconds: numberOrNull(s.uptimeSeconds),
    viewers: numberOrNull(s.viewers) ?? 0,
    viewersByNode: Object.entries(byNode)
      .map(([node, v]) => ({ node, role: v.role == null ? null : text(v.role), players: numberOrNull(v.players) ?? 0 }))
      .sort((a, b) => a.node.localeCompare(b.node)),
  };
}

function fromLocal(s: Json): StreamRow {
  const publishedAt = numberOrNull(s.publishedAt);
  const players = numberOrNull(s.players) ?? 0;
  const owner = text(s.owner);
  return {
    key: text(s.key),
    owner,
    videoCodec: text(s.videoCodec),
    audioCodec: text(s.audioCodec),
    ingestBitrate: null,
    uptimeSeconds: publishedAt === null ? null : Math.max(0, Math.floor((Date.now() - publishedAt) / 1000)),
    viewers: players,
    viewersByNode: players > 0 ? [{ node: owner, role: null, players }] : [],
  };
}

function text(value: unknown): string {
  return value == null ? "" : String(value);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
