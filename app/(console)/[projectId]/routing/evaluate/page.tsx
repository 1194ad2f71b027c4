"use client";

import Link from "next/link";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { Alert, Button, Card, Field, Input, PageHeader, Select, Table, Td, Textarea, Th } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { enc } from "@/app/_lib/url";
import type { RouterEvalReport } from "@/server/routing";
import { EvalCurveChart } from "../_components/EvalCurveChart";

/** The server's limit (EVAL_STREAM_MAX_BYTES in server/routing/eval-run.ts), checked here only to save an upload. */
const MAX_BYTES = 256 * 1024 * 1024;
const EXAMPLE = '{"prompt": "Is this review positive? ...", "small_quality": 1, "large_quality": 1}';
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

type Report = Omit<RouterEvalReport, "scores">;
/** Keel's error answer as the form helpers read a tRPC error: the message, and `data` naming the field. */
type UploadError = Error & { data: { code?: string; field?: string } };
const uploadError = (message: string, code?: string, field?: string): UploadError =>
  Object.assign(new Error(message), { data: { code, field } });

/**
 * POST the file as the raw body with XMLHttpRequest, for its upload progress (fetch has none). The
 * browser streams a File from disk; the server parses the lines as they arrive.
 */
function upload(url: string, body: Blob, xhr: XMLHttpRequest, onProgress: (fraction: number) => void): Promise<Report> {
  return new Promise((resolve, reject) => {
    xhr.open("POST", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("content-type", "application/x-ndjson");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let parsed: (Report & { error?: { code?: string; message?: string; field?: string } }) | null = null;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = null;
      }
      if (xhr.status === 200 && parsed) return resolve(parsed);
      const e = parsed?.error;
      reject(uploadError(e?.message ?? `The evaluation failed (HTTP ${xhr.status})`, e?.code, e?.field));
    };
    xhr.onerror = () => reject(uploadError("The upload failed: the connection was lost."));
    xhr.onabort = () => reject(uploadError("The upload was cancelled."));
    xhr.send(body);
  });
}

export default function EvaluateRoutersPage() {
  const project = useProject();
  const [file, setFile] = useState<File | null>(null);
  const [pasted, setPasted] = useState("");
  const [trainFrac, setTrainFrac] = useState("0.5");
  const [seed, setSeed] = useState("1");
  const [embedding, setEmbedding] = useState("tiny-bert-embed");
  const [local, setLocal] = useState<string | null>(null);
  const [error, setError] = useState<UploadError | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [res, setRes] = useState<Report | null>(null);
  const xhr = useRef<XMLHttpRequest | null>(null);
  // leaving the page ends the upload (the server stops reading it)
  useEffect(() => () => xhr.current?.abort(), []);

  function pick(picked: File | undefined) {
    setLocal(null);
    setFile(picked ?? null);
    if (picked && picked.size > MAX_BYTES) setLocal(`${picked.name} is ${mb(picked.size)}; the limit is 256 MiB. Sample the file.`);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setError(null);
    setRes(null);
    const body = file ?? (pasted.trim() ? new Blob([pasted], { type: "application/x-ndjson" }) : null);
    if (!body) return setLocal("Choose a JSONL file or paste its lines.");
    if (body.size > MAX_BYTES) return setLocal(`The file is ${mb(body.size)}; the limit is 256 MiB. Sample the file.`);
    const frac = Number(trainFrac);
    if (!trainFrac.trim() || !(frac > 0 && frac < 1)) return setLocal("The train fraction is a number between 0 and 1 (exclusive).");
    const s = Number(seed);
    if (!seed.trim() || !Number.isSafeInteger(s)) return setLocal("The seed is a whole number.");
    const q = new URLSearchParams({ trainFrac: String(frac), seed: String(s), embedding });
    const request = new XMLHttpRequest();
    xhr.current = request;
    setProgress(0);
    try {
      setRes(await upload(`/api/v1/projects/${enc(project.id)}/routing/evaluate?${q}`, body, request, setProgress));
    } catch (err) {
      setError(err as UploadError);
    } finally {
      setProgress(null);
      xhr.current = null;
    }
  }

  const shown = local ?? formError(error, ["trainFrac", "seed", "embedding"]);
  const busy = progress !== null;
  const status = !busy
    ? null
    : progress < 1
      ? `Uploading… ${Math.round(progress * 100)}%`
      : "Evaluating… (training and scoring each router)";
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Evaluate routers"
        description="RouteLLM's measures on your labelled prompts: train on a seeded split, score the rest with each router kind (as keel router eval does). Nothing is saved."
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
            correctness or any score). At least 10 lines; files up to 256 MiB are read as they upload.
          </>
        }
      >
        <form onSubmit={submit} noValidate aria-label="Evaluate routers" className="flex flex-col gap-4">
          <Field
            label="JSONL file"
            hint={file ? `${file.name}, ${mb(file.size)}: uploaded when you run the evaluation.` : "Or paste the lines below."}
          >
            <Input
              type="file"
              className="py-1.5"
              accept=".jsonl,.json,.ndjson,.txt,application/jsonl,application/x-ndjson"
              onChange={(e) => pick(e.target.files?.[0])}
            />
          </Field>
          <Field label="Lines (JSONL)" hint={file ? "Not used: the file above is evaluated." : undefined}>
            <Textarea
              rows={6}
              value={pasted}
              onChange={(e) => setPasted(e.target.value)}
              spellCheck={false}
              disabled={!!file}
              className="font-mono text-xs"
              placeholder={EXAMPLE}
            />
          </Field>
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="Train fraction" error={fieldError(error, "trainFrac")} hint="Share of lines the routers train on.">
              <Input type="number" min={0.05} max={0.95} step={0.05} value={trainFrac} onChange={(e) => setTrainFrac(e.target.value)} />
            </Field>
            <Field label="Seed" error={fieldError(error, "seed")} hint="Same seed, same split and scores.">
              <Input type="number" step={1} value={seed} onChange={(e) => setSeed(e.target.value)} />
            </Field>
            <Field
              label="Prompt features"
              error={fieldError(error, "embedding")}
              hint="Embeddings help the learned router and enable knn, mlp and mf, at about a minute per 5,000 prompts; text features take seconds."
            >
              <Select value={embedding} onChange={(e) => setEmbedding(e.target.value)}>
                <option value="tiny-bert-embed">tiny-bert-embed embeddings + text</option>
                <option value="none">Text features only (fast)</option>
              </Select>
            </Field>
          </div>
          {/* bad lines arrive as "line 12: small_quality: ...": shown whole, above the button */}
          {shown && <Alert>{shown}</Alert>}
          <div className="flex items-center gap-3">
            <Button type="submit" variant="primary" loading={busy}>
              Run evaluation
            </Button>
            {status && (
              <span role="status" className="text-sm text-slate-600">
                {status}
              </span>
            )}
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
