import type { UseFormReturn } from "react-hook-form";
import { z } from "zod";
import { applyServerError } from "@/app/_components/form";
import { errorField, errorMessage } from "@/app/_lib/errors";
import { checkedLaunchInput, HYPERPARAMETER_SPECS, TUNING_METHODS, type TuningMethod } from "@/server/tuning/inputs";

/** Left-out values (an empty box) are not sent: the server's defaults apply. */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * The launch form's values (both data sources kept, so switching loses nothing typed), made into the
 * launch input and checked by the server's own schema (server/tuning/inputs.ts): its issues come back
 * at the form's field paths. A build from logs gets its filter from the saved view when sent.
 */
export const launchForm = z
  .object({
    source: z.enum(["dataset", "logs"]),
    method: z.enum(TUNING_METHODS),
    base: z.object({ model: z.string(), version: z.union([z.number(), z.string()]) }),
    dataset: z.object({ name: z.string(), version: z.unknown() }),
    fromLogs: z.object({
      view: z.string(),
      name: z.string(),
      rating: z.object({ name: z.string(), min: z.unknown() }),
      heldOut: z.unknown(),
      dedupe: z.boolean(),
    }),
    hyperparameters: z.record(z.string(), z.unknown()),
    resources: z.object({ kind: z.enum(["cpu", "gpu"]), minGpuMemoryMb: z.unknown() }),
    seed: z.unknown(),
    outputModel: z.unknown(),
    promoteTo: z.unknown(),
    fields: z.object({ text: z.unknown(), label: z.unknown() }),
  })
  .transform(({ source, dataset, fromLogs, hyperparameters, resources, ...rest }, ctx) => {
    const rating = fromLogs.rating.name.trim();
    if (source === "logs" && !fromLogs.view) ctx.addIssue({ code: "custom", path: ["fromLogs", "view"], message: "pick a saved view" });
    if (source === "logs" && !rating && fromLogs.rating.min !== undefined)
      ctx.addIssue({ code: "custom", path: ["fromLogs", "rating", "name"], message: "enter the rating name the minimum applies to" });
    const data =
      source === "dataset"
        ? { dataset: defined(dataset) }
        : {
            fromLogs: defined({
              name: fromLogs.name,
              view: fromLogs.view,
              rating: rating ? defined({ name: rating, min: fromLogs.rating.min }) : undefined,
              heldOut: fromLogs.heldOut,
              dedupe: fromLogs.dedupe,
            }),
          };
    return {
      ...defined(rest),
      ...data,
      hyperparameters: defined(hyperparameters),
      resources: resources.kind === "gpu" ? defined(resources) : { kind: "cpu" },
    } as z.input<typeof checkedLaunchInput>;
  })
  .pipe(checkedLaunchInput);
export type LaunchValues = z.input<typeof launchForm>;

/** The schema's words where the form's control says it better (an empty select). */
export const LAUNCH_MESSAGES = { "base.model": "Pick a base model", "dataset.name": "Pick a dataset" };

/** A method's hyperparameters at their defaults (the optional ones empty). */
export const hyperDefaults = (method: TuningMethod) => Object.fromEntries(HYPERPARAMETER_SPECS[method].map((s) => [s.name, s.default]));

export function launchDefaults(initialView?: string): LaunchValues {
  return {
    source: initialView ? "logs" : "dataset",
    method: "head",
    base: { model: "", version: "production" },
    dataset: { name: "", version: undefined },
    fromLogs: {
      view: initialView ?? "",
      name: initialView ? datasetNameForView(initialView) : "",
      rating: { name: "", min: undefined },
      heldOut: 0.2,
      dedupe: true,
    },
    hyperparameters: hyperDefaults("head"),
    resources: { kind: "cpu", minGpuMemoryMb: undefined },
    seed: 0,
    outputModel: undefined,
    promoteTo: undefined,
    fields: { text: "input", label: "references" },
  };
}

/** Dataset names travel in URL paths: no slashes or control characters, no leading spaces. */
export const datasetNameForView = (view: string) => `sft-${view.replace(/[/\p{Cc}]/gu, "-").trim()}`.slice(0, 200);

/**
 * Where a server 400 about the launch goes in the form. The build from logs names its own fields
 * (filter, name, rating…) without the fromLogs prefix; the others name a group (`base`) whose control is one field.
 */
function formFieldOf(field: string, source: "dataset" | "logs"): string {
  const [head = "", ...tail] = field.replace(/^fromLogs\./, "").split(".");
  if (
    source === "logs" &&
    (field.startsWith("fromLogs.") || ["filter", "view", "limit", "format", "name", "rating", "heldOut", "dataset"].includes(head))
  ) {
    if (head === "name" || head === "dataset") return "fromLogs.name";
    if (head === "rating") return "fromLogs.rating.name";
    if (head === "heldOut") return "fromLogs.heldOut";
    return "fromLogs.view";
  }
  if (head === "base") return "base.model";
  if (head === "dataset") return "dataset.name";
  if (head === "resources") return tail[0] === "minGpuMemoryMb" ? "resources.minGpuMemoryMb" : "resources.kind";
  return field;
}

const LAUNCH_FIELDS = [
  "method",
  "base.model",
  "dataset.name",
  "fromLogs.view",
  "fromLogs.name",
  "fromLogs.rating.name",
  "fromLogs.heldOut",
  "fields.text",
  "fields.label",
  "resources.kind",
  "resources.minGpuMemoryMb",
  "seed",
  "outputModel",
  "promoteTo",
] as const;

/**
 * A failed launch on the form: under the field the server names. Its 400 on hyperparameters names every
 * one out of range ("head: hyperparameters.epochs: Too small…; hyperparameters.l2: …"): each gets its part.
 */
export function showLaunchError(
  form: UseFormReturn<LaunchValues, unknown, z.output<typeof launchForm>>,
  err: unknown,
  source: "dataset" | "logs",
) {
  const field = errorField(err);
  const message = errorMessage(err);
  if (field?.startsWith("hyperparameters.")) {
    const parts = [...message.matchAll(/hyperparameters\.(\w+): ([^;]+)/g)];
    for (const [, name, part] of parts) form.setError(`hyperparameters.${name}`, { type: "server", message: `${name}: ${part?.trim()}` });
    if (parts.length) return;
  }
  const mapped = field ? formFieldOf(field, source) : undefined;
  const bare = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  const data = { ...((err as { data?: object }).data ?? {}), field: mapped };
  applyServerError(form, Object.assign(new Error(mapped ? `${mapped}: ${bare}` : message), { data }), LAUNCH_FIELDS);
}
