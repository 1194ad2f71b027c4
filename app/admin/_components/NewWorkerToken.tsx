"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRef, useState } from "react";
import type { z } from "zod";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { createWorkerTokenInput } from "@/server/tuning/inputs";
import { FORM_BOX } from "./AdminSection";

type Created = RouterOutputs["tuning"]["tokens"]["create"];

/** A new `wk_` token, optionally in a pool; `onCreated` gets the answer, the one that holds the token. */
export function NewWorkerToken({ onCreated }: { onCreated: (res: Created) => Promise<unknown> }) {
  const trpc = useTRPC();
  const pools = useQuery(trpc.tuning.pools.list.queryOptions());
  const create = useMutation(trpc.tuning.tokens.create.mutationOptions());
  // no defaults: the fields' own values, through setValueAs, start the form (an empty name is none, no pool is null)
  const form = useZodForm(createWorkerTokenInput, {});
  async function submit(values: z.output<typeof createWorkerTokenInput>) {
    let res: Created;
    try {
      res = await create.mutateAsync(values);
    } catch (err) {
      return applyServerError(form, err, ["name", "pool"]);
    }
    form.reset();
    await onCreated(res);
  }
  return (
    <ZodForm form={form} onSubmit={submit} label="New worker token" className={FORM_BOX}>
      <FormError />
      <div className="flex flex-wrap gap-3">
        <FormField name="name" label="Token name" hint="Optional: the machine it is for." className="w-64">
          <Input {...form.register("name", { setValueAs: emptyToUndefined })} autoComplete="off" />
        </FormField>
        <FormField name="pool" label="Pool" className="w-64">
          <Select {...form.register("pool", { setValueAs: (v: string) => v || null })}>
            <option value="">None (every project)</option>
            {(pools.data ?? []).map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </Select>
        </FormField>
      </div>
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create token
        </Button>
      </div>
    </ZodForm>
  );
}

/** The token right after creation: only its hash is kept, so this is the one chance to copy it. */
export function CreatedToken({ token, name, origin, onDone }: { token: string; name: string; origin: string; onDone: () => void }) {
  const codeRef = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<"yes" | "select" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("yes");
    } catch {
      // no clipboard (plain http, or denied): select the text so Ctrl+C works
      const el = codeRef.current;
      const sel = window.getSelection();
      if (el && sel) {
        const range = document.createRange();
        range.selectNodeContents(el);
        sel.removeAllRanges();
        sel.addRange(range);
      }
      setCopied("select");
    }
  };
  return (
    <div data-testid="new-worker-token" role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-medium text-amber-900">
        Worker token “{name}” created. It is shown once: copy it now and store it somewhere safe.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code
          ref={codeRef}
          data-testid="worker-token"
          className="min-w-0 flex-1 rounded border border-amber-200 bg-white px-3 py-2 font-mono text-xs break-all text-slate-900"
        >
          {token}
        </code>
        <Button size="sm" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      {copied === "select" && (
        <p className="mt-2 text-xs text-amber-800">The clipboard is not available here; the token is selected, press Ctrl+C.</p>
      )}
      <p className="mt-3 text-xs text-slate-700">
        On the worker machine:{" "}
        <code data-testid="worker-command" className="font-mono break-all">
          npx keel worker --server {origin} --token {token}
        </code>
      </p>
    </div>
  );
}
