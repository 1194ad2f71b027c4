"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Alert, Button, Field, Input, Select } from "@/app/_components/ui";
import { errorField, errorMessage, fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC, useTRPCClient } from "@/app/_lib/trpc";
import type { TuningMethod } from "@/server/tuning";
import { parseQuery, toApiFilter } from "../../logs/_components/filters";
import { CapacityWarning } from "./CapacityWarning";
import { datasetNameForView, LOGS_SOURCE_FIELDS, LogsSource } from "./LogsSource";

const METHODS: { value: TuningMethod; label: string }[] = [
  { value: "head", label: "head: a classifier on a frozen embedding model" },
  { value: "lora", label: "lora: LoRA adapters on a causal LM (GPU or CPU)" },
  { value: "full", label: "full: every weight of a causal LM" },
];

/** The wire shape of server/tuning/contract.ts HyperparameterSpec (server/tuning/index.ts does not export that type). */
interface HyperparameterSpec {
  name: string;
  type: "integer" | "number" | "enum";
  default?: number | string;
  options?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  optional: boolean;
}
type Specs = Record<TuningMethod, HyperparameterSpec[]>;

/**
 * The methods' hyperparameters, defaults and ranges, as server/tuning/contract.ts derives them from
 * its schemas, served by `api.tuning.hyperparameters`.
 */
function useHyperparameterSpecs(projectId: string) {
  const client = useTRPCClient();
  return useQuery({
    queryKey: ["tuning", "hyperparameters"],
    queryFn: () => client.tuning.hyperparameters.query({ projectId }) as Promise<Specs>,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
}

/** "1 ≤ x ≤ 1000", "0 < x ≤ 1", "one of a, b". */
export function rangeText(s: HyperparameterSpec): string {
  if (s.options) return `one of ${s.options.join(", ")}`;
  const lo = s.exclusiveMinimum !== undefined ? `${s.exclusiveMinimum} < ` : s.minimum !== undefined ? `${s.minimum} ≤ ` : "";
  const hi = s.exclusiveMaximum !== undefined ? ` < ${s.exclusiveMaximum}` : s.maximum !== undefined ? ` ≤ ${s.maximum}` : "";
  return `${lo}${s.type === "integer" ? "integer" : "x"}${hi}`;
}

/**
 * The server names every hyperparameter out of range in one 400 ("head: hyperparameters.epochs: Too
 * small…; hyperparameters.l2: …"), the field only the first: each field gets its own part.
 */
function hyperError(err: unknown, name: string): string | undefined {
  if (!err || !(errorField(err) ?? "").startsWith("hyperparameters")) return undefined;
  const part = errorMessage(err).match(new RegExp(`hyperparameters\\.${name}: ([^;]+)`));
  return part?.[1] ? `${name}: ${part[1].trim()}` : undefined;
}

const defaultsOf = (specs: HyperparameterSpec[] | undefined) =>
  Object.fromEntries((specs ?? []).map((s) => [s.name, s.default === undefined ? "" : String(s.default)]));

/** Launch a fine-tuning job; on success `onLaunched` gets the job's number. Server 400s show beside the field they name. */
export function LaunchForm({ onLaunched, initialView }: { onLaunched: (number: number) => void; initialView?: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const queryClient = useQueryClient();
  const specs = useHyperparameterSpecs(slug);
  const models = useQuery(trpc.registry.models.list.queryOptions({ projectId: slug, limit: 200 }));
  const datasets = useQuery(trpc.datasets.list.queryOptions({ projectId: slug, limit: 200 }));
  const views = useQuery(trpc.logs.views.list.queryOptions({ projectId: slug }));
  const create = useMutation(trpc.tuning.create.mutationOptions());

  const [method, setMethod] = useState<TuningMethod>("head");
  const [baseModel, setBaseModel] = useState("");
  const [baseVersion, setBaseVersion] = useState("production");
  const [dataset, setDataset] = useState("");
  const [datasetVersion, setDatasetVersion] = useState("");
  const [source, setSource] = useState<"dataset" | "logs">(initialView ? "logs" : "dataset");
  const [viewName, setViewName] = useState(initialView ?? "");
  /** null: follows the view (sft-<view>) until edited */
  const [logsName, setLogsName] = useState<string | null>(null);
  const [ratingName, setRatingName] = useState("");
  const [ratingMin, setRatingMin] = useState("");
  const [heldOut, setHeldOut] = useState("0.2");
  const [dedupe, setDedupe] = useState(true);
  const [hyper, setHyper] = useState<Record<string, string>>({});
  const [resourceKind, setResourceKind] = useState<"cpu" | "gpu">("cpu");
  const [minGpuMemoryMb, setMinGpuMemoryMb] = useState("");
  const [seed, setSeed] = useState("0");
  const [outputModel, setOutputModel] = useState("");
  const [promoteTo, setPromoteTo] = useState("");
  const [textField, setTextField] = useState("input");
  const [labelField, setLabelField] = useState("references");
  const [local, setLocal] = useState<string | null>(null);

  const methodSpecs = specs.data?.[method];
  // a method's defaults replace the form's values when the method changes
  useEffect(() => setHyper(defaultsOf(methodSpecs)), [methodSpecs]);

  const model = models.data?.items.find((m) => m.name === baseModel);
  const versions = useQuery(
    trpc.registry.versions.list.queryOptions({ projectId: slug, model: baseModel, limit: 200, status: ["ready"] }, { enabled: !!model }),
  );
  const datasetRow = datasets.data?.items.find((d) => d.name === dataset);
  const datasetVersions = useQuery(
    trpc.datasets.versions.queryOptions({ projectId: slug, datasetId: datasetRow?.id ?? "", limit: 200 }, { enabled: !!datasetRow }),
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    create.reset();
    if (!baseModel) return setLocal("Pick a base model.");
    const view = views.data?.find((v) => v.name === viewName);
    // the wire shape of createJobInput's dataset or fromLogs (api.tuning.create takes a record: the service parses it)
    let data: { dataset: { name: string; version?: number } } | { fromLogs: Record<string, unknown> };
    if (source === "dataset") {
      if (!dataset) return setLocal("Pick a dataset.");
      data = { dataset: { name: dataset, ...(datasetVersion ? { version: Number(datasetVersion) } : {}) } };
    } else {
      if (!view) return setLocal("Pick a saved view.");
      const min = ratingMin.trim() === "" ? undefined : Number(ratingMin);
      if (min !== undefined && !Number.isFinite(min)) return setLocal("The minimum rating must be a number.");
      if (min !== undefined && !ratingName.trim()) return setLocal("Enter the rating name the minimum applies to.");
      const share = heldOut.trim() === "" ? undefined : Number(heldOut);
      if (share !== undefined && !Number.isFinite(share)) return setLocal("The held-out share must be a number.");
      data = {
        fromLogs: {
          name: (logsName ?? datasetNameForView(view.name)).trim(),
          view: view.name,
          // the explorer's query string as the server's filter, relative ranges anchored now
          filter: toApiFilter(parseQuery(new URLSearchParams(view.query)), Date.now()),
          ...(ratingName.trim() ? { rating: { name: ratingName.trim(), ...(min !== undefined ? { min } : {}) } } : {}),
          ...(share !== undefined ? { heldOut: share } : {}),
          dedupe,
        },
      };
    }
    const hyperparameters: Record<string, unknown> = {};
    for (const s of methodSpecs ?? []) {
      const raw = (hyper[s.name] ?? "").trim();
      if (raw === "") continue; // left empty: the server's default (or none, for optional ones)
      hyperparameters[s.name] = s.type === "enum" ? raw : Number(raw);
    }
    const memory = minGpuMemoryMb.trim() === "" ? undefined : Number(minGpuMemoryMb);
    try {
      const job = await create.mutateAsync({
        projectId: slug,
        method,
        base: { model: baseModel, version: /^\d+$/.test(baseVersion) ? Number(baseVersion) : baseVersion },
        ...data,
        hyperparameters,
        resources: resourceKind === "gpu" ? { kind: "gpu", ...(memory !== undefined ? { minGpuMemoryMb: memory } : {}) } : { kind: "cpu" },
        seed: Number(seed || "0"),
        ...(outputModel.trim() ? { outputModel: outputModel.trim() } : {}),
        ...(promoteTo.trim() ? { promoteTo: promoteTo.trim() } : {}),
        fields: { text: textField.trim() || "input", label: labelField.trim() || "references" },
      });
      await queryClient.invalidateQueries({ queryKey: trpc.tuning.list.pathKey() });
      // a job from logs built a dataset version
      if ("fromLogs" in data) await queryClient.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
      onLaunched(job.number);
    } catch {
      // shown from create.error
    }
  }

  const err = create.error;
  const hyperShown = (methodSpecs ?? []).some((s) => hyperError(err, s.name));
  const fieldNames = [
    "base",
    "dataset",
    ...(source === "logs" ? LOGS_SOURCE_FIELDS : []),
    "resources",
    "seed",
    "outputModel",
    "promoteTo",
    "fields",
    "method",
    ...(hyperShown ? ["hyperparameters"] : []),
  ];
  const error = local ?? formError(err, fieldNames);
  const aliasNames = model?.aliases.map((a) => a.alias) ?? [];

  return (
    <form onSubmit={submit} noValidate aria-label="Launch a fine-tuning job" className="flex flex-col gap-5">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Method" error={fieldError(err, "method")}>
          <Select value={method} onChange={(e) => setMethod(e.target.value as TuningMethod)}>
            {METHODS.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label="Base model"
          error={fieldError(err, "base")}
          hint="A registry model: head needs feature-extraction, lora and full text-generation."
        >
          <Select
            value={baseModel}
            onChange={(e) => {
              setBaseModel(e.target.value);
              setBaseVersion("production");
            }}
          >
            <option value="">Pick a model…</option>
            {(models.data?.items ?? []).map((m) => (
              <option key={m.id} value={m.name}>
                {m.name}
                {m.task ? ` (${m.task})` : ""}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Base version or alias">
          <Select value={baseVersion} onChange={(e) => setBaseVersion(e.target.value)} disabled={!model}>
            {[...new Set(["production", ...aliasNames])].map((a) => (
              <option key={`@${a}`} value={a}>
                @{a}
              </option>
            ))}
            {(versions.data?.items ?? []).map((v) => (
              <option key={v.id} value={String(v.version)}>
                v{v.version}
              </option>
            ))}
          </Select>
        </Field>
      </div>

      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Data source" hint="A dataset version, or a new one built from the traces of a saved logs view.">
          <Select value={source} onChange={(e) => setSource(e.target.value as "dataset" | "logs")}>
            <option value="dataset">Dataset version</option>
            <option value="logs">Saved logs view</option>
          </Select>
        </Field>
        <Field label="Output model" error={fieldError(err, "outputModel")} hint={`Default ${baseModel || "<base>"}-${method}.`}>
          <Input value={outputModel} onChange={(e) => setOutputModel(e.target.value)} maxLength={200} placeholder="sentiment-head" />
        </Field>
      </div>

      {source === "dataset" ? (
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Dataset" error={fieldError(err, "dataset")}>
            <Select
              value={dataset}
              onChange={(e) => {
                setDataset(e.target.value);
                setDatasetVersion("");
              }}
            >
              <option value="">Pick a dataset…</option>
              {(datasets.data?.items ?? []).map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Dataset version">
            <Select value={datasetVersion} onChange={(e) => setDatasetVersion(e.target.value)} disabled={!datasetRow}>
              <option value="">latest</option>
              {(datasetVersions.data?.items ?? []).map((v) => (
                <option key={v.id} value={String(v.version)}>
                  v{v.version}
                </option>
              ))}
            </Select>
          </Field>
        </div>
      ) : (
        <LogsSource
          slug={slug}
          method={method}
          views={views}
          viewName={viewName}
          setViewName={setViewName}
          name={logsName ?? (viewName ? datasetNameForView(viewName) : "")}
          setName={setLogsName}
          ratingName={ratingName}
          setRatingName={setRatingName}
          ratingMin={ratingMin}
          setRatingMin={setRatingMin}
          heldOut={heldOut}
          setHeldOut={setHeldOut}
          dedupe={dedupe}
          setDedupe={setDedupe}
          err={err}
        />
      )}

      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Text field" error={fieldError(err, "fields.text")} hint="input, input.X or metadata.X">
          <Input value={textField} onChange={(e) => setTextField(e.target.value)} />
        </Field>
        <Field label="Label field" error={fieldError(err, "fields.label")} hint="references (the first one) or metadata.X">
          <Input value={labelField} onChange={(e) => setLabelField(e.target.value)} />
        </Field>
      </div>

      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-sm font-semibold text-slate-900">Hyperparameters ({method})</legend>
        {specs.isPending ? (
          <p className="text-sm text-slate-500">Loading the method's defaults…</p>
        ) : specs.isError ? (
          <Alert>Could not load the hyperparameter ranges ({errorMessage(specs.error)}); the job runs with the method's defaults.</Alert>
        ) : (
          <div className="grid gap-4 sm:grid-cols-3">
            {(methodSpecs ?? []).map((s) => (
              <Field
                key={s.name}
                label={s.name}
                error={hyperError(err, s.name)}
                hint={`${rangeText(s)}${s.default !== undefined ? ` · default ${s.default}` : " · optional"}`}
              >
                {s.options ? (
                  <Select value={hyper[s.name] ?? ""} onChange={(e) => setHyper({ ...hyper, [s.name]: e.target.value })}>
                    {s.options.map((o) => (
                      <option key={o} value={o}>
                        {o}
                      </option>
                    ))}
                  </Select>
                ) : (
                  <Input
                    type="number"
                    step={s.type === "integer" ? 1 : "any"}
                    min={s.minimum ?? s.exclusiveMinimum}
                    max={s.maximum ?? s.exclusiveMaximum}
                    value={hyper[s.name] ?? ""}
                    onChange={(e) => setHyper({ ...hyper, [s.name]: e.target.value })}
                  />
                )}
              </Field>
            ))}
          </div>
        )}
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Resources" error={fieldError(err, "resources")}>
          <Select value={resourceKind} onChange={(e) => setResourceKind(e.target.value as "cpu" | "gpu")}>
            <option value="cpu">cpu</option>
            <option value="gpu">gpu</option>
          </Select>
        </Field>
        {resourceKind === "gpu" && (
          <Field label="Min GPU memory (MB)" error={fieldError(err, "resources.minGpuMemoryMb")}>
            <Input type="number" min={0} step={1} value={minGpuMemoryMb} onChange={(e) => setMinGpuMemoryMb(e.target.value)} />
          </Field>
        )}
        <Field label="Seed" error={fieldError(err, "seed")}>
          <Input type="number" min={0} step={1} value={seed} onChange={(e) => setSeed(e.target.value)} />
        </Field>
        <Field
          label="Promote to alias"
          error={fieldError(err, "promoteTo")}
          hint="Optional: after the eval run, request this alias for the result (the model's gates and approvals decide)."
        >
          <Input value={promoteTo} onChange={(e) => setPromoteTo(e.target.value)} maxLength={63} placeholder="staging" />
        </Field>
      </div>

      <CapacityWarning method={method} kind={resourceKind} minGpuMemoryMb={Number(minGpuMemoryMb) || undefined} />
      {error && <Alert>{error}</Alert>}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Launch job
        </Button>
      </div>
    </form>
  );
}
