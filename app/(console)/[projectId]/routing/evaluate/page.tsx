"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { type ChangeEvent, type FormEvent, useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { Alert, Button, Card, Field, Input, PageHeader, Table, Td, Textarea, Th } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { EvalCurveChart } from "../_components/EvalCurveChart";

/** The server's limit (EVAL_MAX_BYTES in server/routing/service-eval.ts), checked here only to save an upload. */
const MAX_BYTES = 2_000_000;
const EXAMPLE = '{"prompt": "Is this review positive? ...", "small_quality": 1, "large_quality": 1}';
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export default function EvaluateRoutersPage() {
  const trpc = useTRPC();
  const project = useProject();
  const run = useMutation(trpc.routing.evaluate.mutationOptions());
  const [data, setData] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [trainFrac, setTrainFrac] = useState("0.5");
  const [seed, setSeed] = useState("1");
  const [local, setLocal] = useState<string | null>(null);

  async function pick(e: ChangeEvent<HTMLInputElement>) {
    setLocal(null);
    const file = e.target.files?.[0];
    if (!file) return;
    if (file.size > MAX_BYTES) return setLocal(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the limit is 2 MB. Sample the file.`);
    setFileName(file.name);
    setData(await file.text());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    run.reset();
    if (!data.trim()) return setLocal("Upload a JSONL file or paste its lines.");
    const frac = Number(trainFrac);
    if (!trainFrac.trim() || !(frac > 0 && frac < 1)) return setLocal("The train fraction is a number between 0 and 1 (exclusive).");
    const s = Number(seed);
    if (!seed.trim() || !Number.isSafeInteger(s)) return setLocal("The seed is a whole number.");
    try {
      await run.mutateAsync({ projectId: project.id, data, trainFrac: frac, seed: s });
    } catch {
      // shown from run.error
    }
  }

  const error = local ?? formError(run.error, ["trainFrac", "seed"]);
  const res = run.data;
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Evaluate routers"
        description="RouteLLM's measures on your labelled prompts: train on a seeded split, score the rest with the random, length and learned routers (as keel router eval does). Nothing is saved."
        actions={
          <Link href={`/${project.slug}/routing`} className={buttonClass("secondary")}>
            Routers
          </Link>
        }
      />

      <Card
        title="Labelled prompts"
        description={
          <>
            One JSON object a line: <code className="font-mono text-xs">{EXAMPLE}</code>. Qualities are numbers, higher is better (0/1
            correctness or any score). At least 10 lines, at most 10,000 lines and 2 MB.
          </>
        }
      >
        <form onSubmit={submit} noValidate aria-label="Evaluate routers" className="flex flex-col gap-4">
          <Field label="JSONL file" hint={fileName ? `Loaded ${fileName}; edit below if needed.` : "Or paste the lines below."}>
            <Input type="file" accept=".jsonl,.json,.ndjson,.txt,application/jsonl,application/x-ndjson" onChange={(e) => void pick(e)} />
          </Field>
          <Field label="Lines (JSONL)">
            <Textarea
              rows={8}
              value={data}
              onChange={(e) => setData(e.target.value)}
              spellCheck={false}
              className="font-mono text-xs"
              placeholder={EXAMPLE}
            />
          </Field>
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="Train fraction" error={fieldError(run.error, "trainFrac")} hint="Share of lines the learned router trains on.">
              <Input type="number" min={0.05} max={0.95} step={0.05} value={trainFrac} onChange={(e) => setTrainFrac(e.target.value)} />
            </Field>
            <Field label="Seed" error={fieldError(run.error, "seed")} hint="Same seed, same split and scores.">
              <Input type="number" step={1} value={seed} onChange={(e) => setSeed(e.target.value)} />
            </Field>
          </div>
          {/* bad lines arrive as "line 12: small_quality: ...": shown whole, above the button */}
          {error && <Alert>{error}</Alert>}
          <div>
            <Button type="submit" variant="primary" loading={run.isPending}>
              Run evaluation
            </Button>
          </div>
        </form>
      </Card>

      {res && (
        <Card
          title="Results"
          description={`${res.n_train} train, ${res.n_test} test lines. Test quality: small only ${res.small_only.toFixed(4)}, large only ${res.large_only.toFixed(4)}.`}
        >
          <div className="grid gap-6 lg:grid-cols-[minmax(0,22rem)_1fr]">
            <div className="flex flex-col gap-3">
              <Table label="Router evaluation">
                <thead>
                  <tr>
                    <Th>Router</Th>
                    <Th className="text-right">APGR</Th>
                    <Th className="text-right">CPT(50%)</Th>
                    <Th className="text-right">CPT(80%)</Th>
                  </tr>
                </thead>
                <tbody>
                  {res.routers.map((r) => (
                    <tr key={r.kind}>
                      <Td className="font-medium text-slate-900">{r.kind}</Td>
                      <Td className="text-right tabular-nums">{r.apgr.toFixed(3)}</Td>
                      <Td className="text-right tabular-nums">{pct(r.cpt50)}</Td>
                      <Td className="text-right tabular-nums">{pct(r.cpt80)}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              {res.skipped.map((s) => (
                <p key={s.kind} className="text-xs text-amber-700">
                  {s.kind}: not trained ({s.reason})
                </p>
              ))}
              <p className="text-xs text-slate-500">
                APGR: average performance gap recovered over all shares of large calls (random ≈ 0.5, higher is better). CPT(x): the share
                of large calls needed to recover x of the gap (lower is better).
              </p>
            </div>
            <EvalCurveChart curves={res.curves} smallOnly={res.small_only} largeOnly={res.large_only} />
          </div>
        </Card>
      )}
    </div>
  );
}
