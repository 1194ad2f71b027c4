"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { Alert, Button, Done, Field, Input, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { enc } from "@/app/_lib/url";
import { formatBytes, versionHref } from "./shared";

interface Picked {
  file: File;
  /** the artifact path inside the version */
  path: string;
}

/** "my-model/onnx/model.onnx" → "onnx/model.onnx": the picked folder itself is not part of the artifact paths. */
export function stripTopFolder(relative: string, fallback: string): string {
  const parts = relative.split("/").filter(Boolean);
  return parts.length > 1 ? parts.slice(1).join("/") : fallback;
}

interface UploadAnswer {
  version?: number;
  error?: { code?: string; message?: string; field?: string };
}

/** POST the multipart body with XMLHttpRequest, for its upload progress events (fetch has none). */
function send(url: string, body: FormData, onProgress: (fraction: number) => void): Promise<{ status: number; body: UploadAnswer | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let parsed: UploadAnswer | null = null;
      try {
        parsed = JSON.parse(xhr.responseText) as UploadAnswer;
      } catch {
        parsed = null;
      }
      resolve({ status: xhr.status, body: parsed });
    };
    xhr.onerror = () => reject(new Error("The upload failed: the connection was lost."));
    xhr.onabort = () => reject(new Error("The upload was cancelled."));
    xhr.send(body);
  });
}

export function UploadVersion({ model }: { model: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const [folder, setFolder] = useState<Picked[]>([]);
  const [loose, setLoose] = useState<Picked[]>([]);
  const [description, setDescription] = useState("");
  const [card, setCard] = useState("");
  const [inputKey, setInputKey] = useState(0);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<number | null>(null);

  const files = [...folder, ...loose];
  const total = files.reduce((s, f) => s + f.file.size, 0);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (files.length === 0) return setError("Choose a model folder or files to upload.");
    const seen = new Set<string>();
    for (const f of files) {
      if (seen.has(f.path)) return setError(`Two files have the path ${f.path}; pick either the folder or the file.`);
      seen.add(f.path);
    }
    const body = new FormData();
    const meta: { description?: string; card?: string } = {};
    if (description.trim()) meta.description = description.trim();
    if (card.trim()) meta.card = card;
    body.append("meta", JSON.stringify(meta));
    for (const f of files) body.append("file", f.file, f.path);
    setProgress(0);
    try {
      const res = await send(`/api/v1/registry/models/${enc(model)}/versions?project=${enc(project.slug)}`, body, setProgress);
      if (res.status !== 201) {
        setError(res.body?.error?.message ?? `Upload failed (HTTP ${res.status})`);
        return;
      }
      setDone(res.body?.version ?? null);
      setFolder([]);
      setLoose([]);
      setDescription("");
      setCard("");
      setInputKey((k) => k + 1);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.registry.versions.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.registry.models.pathKey() }),
      ]);
    } catch (err) {
      setError(err instanceof Error ? err.message : "The upload failed.");
    } finally {
      setProgress(null);
    }
  }

  const pct = progress === null ? null : Math.round(progress * 100);
  return (
    <form onSubmit={submit} noValidate aria-label="Upload version" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Model folder" hint="Every file under the folder, with paths relative to it (config.json, onnx/model.onnx, …).">
          <Input
            key={`folder-${inputKey}`}
            type="file"
            multiple
            className="py-1.5"
            {...{ webkitdirectory: "", directory: "" }}
            onChange={(e) =>
              setFolder(
                Array.from(e.target.files ?? []).map((file) => ({ file, path: stripTopFolder(file.webkitRelativePath, file.name) })),
              )
            }
          />
        </Field>
        <Field label="Model files" hint="Or single files, stored under their file names.">
          <Input
            key={`files-${inputKey}`}
            type="file"
            multiple
            className="py-1.5"
            onChange={(e) => setLoose(Array.from(e.target.files ?? []).map((file) => ({ file, path: file.name })))}
          />
        </Field>
      </div>
      {files.length > 0 && (
        <div className="rounded-md border border-slate-200 px-3 py-2 text-sm">
          <p className="font-medium text-slate-700">
            {files.length} file{files.length === 1 ? "" : "s"}, {formatBytes(total)}
          </p>
          <ul aria-label="Files to upload" className="mt-1 max-h-40 overflow-y-auto font-mono text-xs text-slate-600">
            {files.slice(0, 200).map((f) => (
              <li key={f.path}>
                {f.path} <span className="text-slate-400">({formatBytes(f.file.size)})</span>
              </li>
            ))}
            {files.length > 200 && <li>… and {files.length - 200} more</li>}
          </ul>
        </div>
      )}
      <Field label="Version description">
        <Input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={20_000} placeholder="What changed" />
      </Field>
      <Field label="Model card" hint="Markdown: intended use, training data, limitations.">
        <Textarea value={card} onChange={(e) => setCard(e.target.value)} rows={4} className="font-mono" />
      </Field>
      {pct !== null && (
        <div className="flex items-center gap-3 text-sm text-slate-600">
          <div
            role="progressbar"
            aria-label="Upload progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct}
            className="h-2 w-full max-w-md overflow-hidden rounded-full bg-slate-100"
          >
            <div className="h-full bg-indigo-500 transition-[width]" style={{ width: `${pct}%` }} />
          </div>
          <span className="tabular-nums">{pct < 100 ? `${pct}%` : "Checking files…"}</span>
        </div>
      )}
      {error && <Alert>{error}</Alert>}
      {done !== null && (
        <Done>
          Uploaded version {done}.{" "}
          <Link href={versionHref(project.slug, model, done)} className="font-medium underline">
            Open v{done}
          </Link>
        </Done>
      )}
      <div>
        <Button type="submit" variant="primary" loading={progress !== null}>
          Upload version
        </Button>
      </div>
    </form>
  );
}
