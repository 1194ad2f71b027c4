"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { ShownOnce } from "@/app/_components/ShownOnce";
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

/** The token right after creation, with the command that starts a worker with it. */
export function CreatedToken({ token, name, origin, onDone }: { token: string; name: string; origin: string; onDone: () => void }) {
  return (
    <ShownOnce
      secret={token}
      what="token"
      testId="new-worker-token"
      secretTestId="worker-token"
      title={<>Worker token “{name}” created. It is shown once: copy it now and store it somewhere safe.</>}
      onDone={onDone}
    >
      <p className="mt-3 text-xs text-slate-700">
        On the worker machine:{" "}
        <code data-testid="worker-command" className="font-mono break-all">
          npx keel worker --server {origin} --token {token}
        </code>
      </p>
    </ShownOnce>
  );
}
