/**
 * The monitor form's state as strings (what the inputs hold) and its translation to the API's
 * body (server/drift/contract.ts monitorInput). Local checks only catch what cannot be sent (a
 * number that is no number); the server checks the rest and names the field, under the same paths
 * used here (`config.columns.2.threshold`).
 */

import type { ConfigView, MonitorView } from "./types";

export type ColumnType = "numerical" | "categorical";
export interface ColumnDraft {
  name: string;
  /** "" where the column's type is fixed (built-ins, ratings) or not chosen yet */
  type: "" | ColumnType;
  stattest: string;
  threshold: string;
}

export interface Draft {
  name: string;
  description: string;
  schedule: string;
  active: boolean;
  tags: string;
  models: string;
  /** filter keys the form does not edit (set through the API), kept as they are */
  otherFilter: Record<string, unknown>;
  view: string;
  deployment: string;
  refusalPhrases: string;
  columns: ColumnDraft[];
  embeddings: {
    on: boolean;
    field: "input" | "output";
    model: string;
    method: string;
    threshold: string;
    maxRows: string;
    pcaComponents?: number;
  };
  reference: { kind: "dataset" | "range" | "previous"; dataset: string; version: string; from: string; to: string };
  current: { kind: "sliding" | "range"; window: "hour" | "day" | "week"; from: string; to: string };
  minSamples: string;
  driftShare: string;
}

export const EMPTY_DRAFT: Draft = {
  name: "",
  description: "",
  schedule: "0 * * * *",
  active: true,
  tags: "",
  models: "",
  otherFilter: {},
  view: "",
  deployment: "",
  refusalPhrases: "",
  columns: ["input_chars", "output_chars", "latency_ms", "status", "language"].map((name) => ({
    name,
    type: "",
    stattest: "",
    threshold: "",
  })),
  embeddings: { on: false, field: "input", model: "tiny-bert-embed", method: "model", threshold: "", maxRows: "2000" },
  reference: { kind: "previous", dataset: "", version: "", from: "", to: "" },
  current: { kind: "sliding", window: "day", from: "", to: "" },
  minSamples: "30",
  driftShare: "0.5",
};

const pad = (n: number) => String(n).padStart(2, "0");
/** A date as a datetime-local input's value (local time, minutes). */
export function toLocalInput(d: string | Date | undefined): string {
  if (!d) return "";
  const x = new Date(d);
  if (Number.isNaN(x.getTime())) return "";
  return `${x.getFullYear()}-${pad(x.getMonth() + 1)}-${pad(x.getDate())}T${pad(x.getHours())}:${pad(x.getMinutes())}`;
}

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export function draftOf(m: MonitorView): Draft {
  const c = m.config as unknown as ConfigView;
  const { tags, models, ...otherFilter } = (c.source?.filter ?? {}) as { tags?: string[]; models?: string[] } & Record<string, unknown>;
  const e = c.embeddings;
  const r = c.reference;
  const cur = c.current;
  return {
    name: m.name,
    description: m.description ?? "",
    schedule: m.schedule ?? "",
    active: m.active,
    tags: (tags ?? []).join(", "),
    models: (models ?? []).join(", "),
    otherFilter,
    view: c.source?.view ?? "",
    deployment: c.source?.deployment ?? "",
    refusalPhrases: (c.source?.refusalPhrases ?? []).join("\n"),
    columns: c.columns.map((x) => ({
      name: x.name,
      type: x.type ?? "",
      stattest: x.stattest ?? "",
      threshold: x.threshold === undefined ? "" : String(x.threshold),
    })),
    embeddings: e
      ? {
          on: true,
          field: e.field,
          model: e.model ?? "tiny-bert-embed",
          method: e.method ?? "model",
          threshold: e.threshold === undefined ? "" : String(e.threshold),
          maxRows: String(e.maxRows ?? 2000),
          pcaComponents: e.pcaComponents,
        }
      : EMPTY_DRAFT.embeddings,
    reference: {
      kind: r.kind,
      dataset: r.kind === "dataset" ? r.dataset : "",
      version: r.kind === "dataset" && r.version ? String(r.version) : "",
      from: r.kind === "range" ? toLocalInput(r.from) : "",
      to: r.kind === "range" ? toLocalInput(r.to) : "",
    },
    current: {
      kind: cur.kind,
      window: cur.kind === "sliding" ? cur.window : "day",
      from: cur.kind === "range" ? toLocalInput(cur.from) : "",
      to: cur.kind === "range" ? toLocalInput(cur.to) : "",
    },
    minSamples: String(c.minSamples ?? 30),
    driftShare: String(c.driftShare ?? 0.5),
  };
}

export interface LocalError {
  field: string;
  message: string;
}
export type Built<T> = { ok: true; value: T } | { ok: false; error: LocalError };

const fail = (field: string, message: string): { ok: false; error: LocalError } => ({ ok: false, error: { field, message } });
const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
const iso = (s: string) => (s ? new Date(s).toISOString() : "");

/** The monitor's config (for preview and save), or the first field that cannot be sent. */
export function configOfDraft(d: Draft): Built<Record<string, unknown>> {
  const columns: Record<string, unknown>[] = [];
  for (const [i, c] of d.columns.entries()) {
    const threshold = num(c.threshold);
    if (threshold !== undefined && !Number.isFinite(threshold))
      return fail(`config.columns.${i}.threshold`, `${c.name}: the threshold is not a number`);
    columns.push({
      name: c.name,
      ...(c.type ? { type: c.type } : {}),
      ...(c.stattest ? { stattest: c.stattest } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    });
  }
  const tags = list(d.tags);
  const models = list(d.models);
  const phrases = d.refusalPhrases
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);
  const source = {
    kind: "traffic",
    filter: { ...d.otherFilter, ...(tags.length ? { tags } : {}), ...(models.length ? { models } : {}) },
    ...(d.view.trim() ? { view: d.view.trim() } : {}),
    ...(d.deployment.trim() ? { deployment: d.deployment.trim() } : {}),
    ...(phrases.length ? { refusalPhrases: phrases } : {}),
  };
  let embeddings: Record<string, unknown> | undefined;
  if (d.embeddings.on) {
    const e = d.embeddings;
    const threshold = num(e.threshold);
    const maxRows = num(e.maxRows);
    if (threshold !== undefined && !Number.isFinite(threshold))
      return fail("config.embeddings.threshold", "The embedding threshold is not a number");
    if (maxRows !== undefined && !Number.isInteger(maxRows)) return fail("config.embeddings.maxRows", "Texts per window is a whole number");
    embeddings = {
      field: e.field,
      model: e.model.trim() || "tiny-bert-embed",
      method: e.method,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(maxRows !== undefined ? { maxRows } : {}),
      ...(e.pcaComponents ? { pcaComponents: e.pcaComponents } : {}),
    };
  }
  const r = d.reference;
  let reference: Record<string, unknown>;
  if (r.kind === "dataset") {
    const version = num(r.version);
    if (version !== undefined && !(Number.isInteger(version) && version > 0))
      return fail("config.reference.version", "The dataset version is a whole number from 1");
    reference = { kind: "dataset", dataset: r.dataset.trim(), ...(version !== undefined ? { version } : {}) };
  } else if (r.kind === "range") {
    if (!r.from || !r.to) return fail("config.reference.from", "Give the reference range's start and end");
    reference = { kind: "range", from: iso(r.from), to: iso(r.to) };
  } else reference = { kind: "previous" };
  const c = d.current;
  let current: Record<string, unknown>;
  if (c.kind === "range") {
    if (!c.from || !c.to) return fail("config.current.from", "Give the current range's start and end");
    current = { kind: "range", from: iso(c.from), to: iso(c.to) };
  } else current = { kind: "sliding", window: c.window };
  const minSamples = num(d.minSamples);
  if (minSamples === undefined || !Number.isInteger(minSamples)) return fail("config.minSamples", "Minimum rows is a whole number");
  const driftShare = num(d.driftShare);
  if (driftShare === undefined || !Number.isFinite(driftShare))
    return fail("config.driftShare", "The drift share is a number between 0 and 1");
  return { ok: true, value: { source, columns, ...(embeddings ? { embeddings } : {}), reference, current, minSamples, driftShare } };
}

/** The whole body of monitors.create (and the patch of monitors.update). */
export function inputOfDraft(d: Draft): Built<Record<string, unknown>> {
  if (!d.name.trim()) return fail("name", "Give the monitor a name");
  const config = configOfDraft(d);
  if (!config.ok) return config;
  return {
    ok: true,
    value: {
      name: d.name.trim(),
      description: d.description.trim() || null,
      schedule: d.schedule.trim() || null,
      active: d.active,
      config: config.value,
    },
  };
}
