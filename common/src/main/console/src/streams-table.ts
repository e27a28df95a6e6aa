import type { StreamRow } from "./api";
import { formatBitrate, formatCodecs, formatUptime } from "./format";

/**
 * The live-streams table. Rows are kept per stream key and updated in place on every refresh, so a
 * focused Play button keeps its focus while the list refreshes.
 */
export class StreamsTable {
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private selected: string | null = null;

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly empty: HTMLElement,
    private readonly onPlay: (key: string) => void,
  ) {}

  show(streams: StreamRow[]): void {
    const live = new Set(streams.map((s) => s.key));
    for (const [key, row] of this.rows) {
      if (!live.has(key)) {
        row.remove();
        this.rows.delete(key);
      }
    }
    for (const stream of streams) {
      const row = this.rows.get(stream.key) ?? this.createRow(stream.key);
      fill(row, stream);
      mark(row, stream.key === this.selected);
      this.body.appendChild(row); // moves an existing row into list order
    }
    this.empty.hidden = streams.length > 0;
  }

  select(key: string | null): void {
    this.selected = key;
    for (const [k, row] of this.rows) {
      mark(row, k === key);
    }
  }

  private createRow(key: string): HTMLTableRowElement {
    const row = document.createElement("tr");
    row.dataset.key = key;
    for (const name of ["key", "owner", "codecs", "ingest", "uptime", "viewers"]) {
      const cell = document.createElement(name === "key" ? "th" : "td");
      cell.className = name;
      if (name === "key") {
        cell.setAttribute("scope", "row");
      }
      row.appendChild(cell);
    }
    const action = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "play";
    button.textContent = "Play";
    button.setAttribute("aria-label", `Play ${key}`);
    button.addEventListener("click", () => this.onPlay(key));
    action.appendChild(button);
    row.appendChild(action);
    this.rows.set(key, row);
    return row;
  }
}

/** The playing stream's row: highlighted, and announced as the current one. */
function mark(row: HTMLTableRowElement, selected: boolean): void {
  row.classList.toggle("selected", selected);
  if (selected) {
    row.setAttribute("aria-current", "true");
  } else {
    row.removeAttribute("aria-current");
  }
}

function fill(row: HTMLTableRowElement, s: StreamRow): void {
  cell(row, "key").textContent = s.key;
  cell(row, "owner").textContent = s.owner;
  cell(row, "codecs").textContent = formatCodecs(s.videoCodec, s.audioCodec);
  cell(row, "ingest").textContent = formatBitrate(s.ingestBitrate);
  cell(row, "uptime").textContent = formatUptime(s.uptimeSeconds);
  const viewers = cell(row, "viewers");
  viewers.textContent = String(s.viewers);
  if (s.viewersByNode.length > 0) {
    const perNode = document.createElement("span");
    perNode.className = "per-node";
    perNode.textContent = s.viewersByNode.map((v) => `${v.node} ${v.players}`).join(" · ");
    viewers.append(" ", perNode);
  }
}

function cell(row: HTMLTableRowElement, name: string): HTMLElement {
  return row.querySelector(`.${name}`) as HTMLElement;
}
