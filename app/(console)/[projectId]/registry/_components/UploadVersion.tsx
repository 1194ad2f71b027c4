"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { z } from "zod";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Done, Field, Input, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { enc } from "@/app/_lib/url";
import { versionMetaInput } from "@/server/registry/inputs";
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

/**
 * The upload as the server checks it: `file` parts (one per artifact path, none twice) and the
 * `meta` part by the server's own versionMetaInput. Its errors name the same paths (`file.3`, `meta.card`).
 */
const uploadForm = z.object({
  file: z
    .array(z.custom<Picked>())
    .min(1, "choose a model folder or files to upload")
    .superRefine((files, ctx) => {
      const seen = new Set<string>();
      for (const f of files) {
        if (seen.has(f.path))
          ctx.addIssue({ code: "custom", message: `two files have the path ${f.path}; pick either the folder or the file` });
        seen.add(f.path);
      }
    }),
  meta: versionMetaInput.pick({ description: true, card: true }),
});
const UPLOAD_FIELDS = ["file", "meta.description", "meta.card"] as const;

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
  const form = useZodForm(uploadForm, { file: [], meta: {} });
  const [folder, setFolder] = useState<Picked[]>([]);
  const [loose, setLoose] = useState<Picked[]>([]);
  const [inputKey, setInputKey] = useState(0);
  const [progress, setProgress] = useState<number | null>(null);
  const [done, setDone] = useState<number | null>(null);

  const files = [...folder, ...loose];
  const total = files.reduce((s, f) => s + f.file.size, 0);
  const pickFolder = (next: Picked[]) => {
    setFolder(next);
    form.setValue("file", [...next, ...loose], { shouldValidate: form.formState.isSubmitted });
  };
  const pickLoose = (next: Picked[]) => {
    setLoose(next);
    form.setValue("file", [...folder, ...next], { shouldValidate: form.formState.isSubmitted });
  };

  async function submit(values: z.output<typeof uploadForm>) {
    setDone(null);
    const body = new FormData();
    const meta = { description: values.meta.description?.trim() || undefined, card: values.meta.card };
    body.append("meta", JSON.stringify(meta));
    for (const f of values.file) body.append("file", f.file, f.path);
    setProgress(0);
    try {
      const res = await send(`/api/v1/registry/models/${enc(model)}/versions?project=${enc(project.slug)}`, body, setProgress);
      if (res.status !== 201) {
        // the HTTP answer's error as a tRPC one reads: its `field` puts it under the file pickers or a meta field
        const e = res.body?.error;
        const err = Object.assign(new Error(e?.message ?? `Upload failed (HTTP ${res.status})`), {
          data: { code: e?.code, field: e?.field },
        });
        return applyServerError(form, err, UPLOAD_FIELDS);
      }
      setDone(res.body?.version ?? null);
      setFolder([]);
      setLoose([]);
      form.reset({ file: [], meta: {} });
      setInputKey((k) => k + 1);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.registry.versions.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.registry.models.pathKey() }),
      ]);
    } catch (err) {
      applyServerError(form, err, UPLOAD_FIELDS);
    } finally {
      setProgress(null);
    }
  }

  const pct = progress === null ? null : Math.round(progress * 100);
  return (
    <ZodForm form={form} onSubmit={submit} label="Upload version">
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField
          name="file"
          label="Model folder"
          hint="Every file under the folder, with paths relative to it (config.json, onnx/model.onnx, …)."
        >
          <Input
            key={`folder-${inputKey}`}
            type="file"
            multiple
            className="py-1.5"
            {...{ webkitdirectory: "", directory: "" }}
            onChange={(e) =>
              pickFolder(
                Array.from(e.target.files ?? []).map((file) => ({ file, path: stripTopFolder(file.webkitRelativePath, file.name) })),
              )
            }
          />
        </FormField>
        <Field label="Model files" hint="Or single files, stored under their file names.">
          <Input
            key={`files-${inputKey}`}
            type="file"
            multiple
            className="py-1.5"
            onChange={(e) => pickLoose(Array.from(e.target.files ?? []).map((file) => ({ file, path: file.name })))}
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
      <FormField name="meta.description" label="Version description">
        <Input {...form.register("meta.description", { setValueAs: emptyToUndefined })} maxLength={20_000} placeholder="What changed" />
      </FormField>
      <FormField name="meta.card" label="Model card" hint="Markdown: intended use, training data, limitations.">
        <Textarea {...form.register("meta.card", { setValueAs: emptyToUndefined })} rows={4} className="font-mono" />
      </FormField>
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
      <FormError />
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
    </ZodForm>
  );
}
