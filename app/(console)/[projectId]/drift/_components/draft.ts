/**
 * The monitor form's state as strings (what the inputs hold), its translation to the API's body
 * (server/drift/contract.ts monitorInput) and the schemas that check it in the browser with the
 * server's own rules, naming the API's paths (`config.columns.2.threshold`).
 */

import { z } from "zod";
import { monitorConfigFields, monitorFields, sourceFields } from "@/server/drift/inputs";
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

const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
/** A datetime-local value (local time) as ISO; an empty box stays undefined, for the schema's "give the range's start". */
const iso = (s: string) => (s ? new Date(s).toISOString() : undefined);

/** The monitor's config as the API takes it (for preview and save); the checks are the schemas' below. */
export function configOfDraft(d: Draft): Record<string, unknown> {
  const columns = d.columns.map((c) => ({
    name: c.name,
    ...(c.type ? { type: c.type } : {}),
    ...(c.stattest ? { stattest: c.stattest } : {}),
    ...(num(c.threshold) !== undefined ? { threshold: num(c.threshold) } : {}),
  }));
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
  const e = d.embeddings;
  const embeddings = e.on
    ? {
        field: e.field,
        model: e.model.trim() || "tiny-bert-embed",
        method: e.method,
        ...(num(e.threshold) !== undefined ? { threshold: num(e.threshold) } : {}),
        ...(num(e.maxRows) !== undefined ? { maxRows: num(e.maxRows) } : {}),
        ...(e.pcaComponents ? { pcaComponents: e.pcaComponents } : {}),
      }
    : undefined;
  const r = d.reference;
  const reference =
    r.kind === "dataset"
      ? { kind: "dataset", dataset: r.dataset.trim(), ...(num(r.version) !== undefined ? { version: num(r.version) } : {}) }
      : r.kind === "range"
        ? { kind: "range", from: iso(r.from), to: iso(r.to) }
        : { kind: "previous" };
  const c = d.current;
  const current = c.kind === "range" ? { kind: "range", from: iso(c.from), to: iso(c.to) } : { kind: "sliding", window: c.window };
  return {
    source,
    columns,
    ...(embeddings ? { embeddings } : {}),
    reference,
    current,
    minSamples: num(d.minSamples),
    driftShare: num(d.driftShare),
  };
}

/**
 * The server's monitorConfig (server/drift/inputs.ts), in the browser: every rule but the trace
 * filter's (the logs domain's, checked by the server, whose 400 names `config.source.filter.tags`).
 */
const configChecks = z.object({ source: sourceFields.extend({ filter: z.record(z.string(), z.unknown()) }), ...monitorConfigFields.shape });
const draft = z.custom<Draft>(() => true);

/**
 * The form's draft, checked as monitors.create checks its body: errors name the API's paths
 * (`config.columns.2.threshold`), the same the server's 400 names, so both land beside one field.
 * Retention is not the form's: an edit leaves it as it is.
 */
const saveChecks = monitorFields.omit({ retentionDays: true }).extend({ config: configChecks });
type ConfigIn = z.input<typeof configChecks>;
/** The whole body of monitors.create (and the patch of monitors.update), unchecked. */
export const inputOfDraft = (d: Draft): z.input<typeof saveChecks> => ({
  name: d.name,
  description: d.description.trim() || null,
  schedule: d.schedule.trim() || null,
  active: d.active,
  config: configOfDraft(d) as ConfigIn,
});
export const monitorForm = draft.transform(inputOfDraft).pipe(saveChecks);

/** Preview checks the configuration alone (a monitor without a name yet may be previewed). */
const previewChecks = z.object({ config: configChecks });
export const previewForm = draft
  .transform((d): z.input<typeof previewChecks> => ({ config: configOfDraft(d) as ConfigIn }))
  .pipe(previewChecks);
