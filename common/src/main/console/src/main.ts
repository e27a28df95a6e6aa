import "./style.css";
import { StreamsApi, type StreamList } from "./api";
import { PlayerPanel, type PlayerStatus } from "./player-panel";
import type { Protocol } from "./players/types";
import { StreamsTable } from "./streams-table";

const REFRESH_MS = 3000;
const REQUEST_TIMEOUT_MS = 2500;

/** What tests and curious operators read from window.cascadeConsole.status(). */
interface ConsoleStatus {
  node: string;
  role: string;
  refreshes: number;
  refreshError: string | null;
  streams: string[];
  player: PlayerStatus;
}

declare global {
  interface Window {
    cascadeConsole: { status(): ConsoleStatus };
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`index.html has no #${id}`);
  }
  return element as T;
}

const nodeLabel = byId("node-label");
const refreshStatus = byId("refresh-status");
// The checked radio, not a constant: a browser may restore the page's last choice on reload.
const initialProtocol = (document.querySelector<HTMLInputElement>('input[name="protocol"]:checked')?.value ??
  "flv") as Protocol;
const player = new PlayerPanel(
  byId<HTMLVideoElement>("video"),
  byId("player-title"),
  byId("player-placeholder"),
  byId("player-status"),
  byId("player-stats"),
  initialProtocol,
);
const table = new StreamsTable(byId<HTMLTableElement>("streams").tBodies[0], byId("streams-empty"), play);

/** Plays the stream `key` and puts it in the address (#play=app/stream), so the view can be linked. */
function play(key: string): void {
  table.select(key);
  player.play(key);
  history.replaceState(null, "", `#play=${encodeURIComponent(key)}`);
}

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="protocol"]')) {
  radio.addEventListener("change", () => player.useProtocol(radio.value as Protocol));
}

const api = new StreamsApi();
let last: StreamList | null = null;
let refreshes = 0;
let refreshError: string | null = null;

async function refresh(): Promise<void> {
  try {
    last = await api.fetch(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    refreshes++;
    refreshError = null;
    nodeLabel.textContent = `${last.role} · ${last.node}`;
    table.show(last.streams);
    refreshStatus.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    refreshError = e instanceof Error ? e.message : String(e);
    refreshStatus.textContent = `Refresh failed: ${refreshError}`;
  }
  refreshStatus.classList.toggle("failed", refreshError !== null);
  window.setTimeout(refresh, REFRESH_MS);
}

window.cascadeConsole = {
  status: () => ({
    node: last?.node ?? "",
    role: last?.role ?? "",
    refreshes,
    refreshError,
    streams: last?.streams.map((s) => s.key) ?? [],
    player: player.status(),
  }),
};

/** The stream named by a #play=app/stream link; null without one or when it is malformed. */
function linkedStream(): string | null {
  const match = /^#play=([^#]+)$/.exec(location.hash);
  try {
    return match ? decodeURIComponent(match[1]) : null;
  } catch {
    return null;
  }
}

const linked = linkedStream();
if (linked !== null) {
  play(linked);
}
void refresh();
