"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import type { UseFormReturn } from "react-hook-form";
import type { z } from "zod";
import { applyServerError, emptyToUndefined, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Alert, Button, Done, Field, Input, Select, Table, Td, Th, When } from "@/app/_components/ui";
import { errorField, errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { moveAliasInput } from "@/server/registry/inputs";
import { AliasHistory } from "./AliasHistory";
import { GateResults, gatesOfError, isGateFailure } from "./GateResults";

type Alias = RouterOutputs["registry"]["models"]["get"]["aliases"][number];
type MoveResult = RouterOutputs["registry"]["aliases"]["move"];

/** The move form checks what api.registry.aliases.move checks; the model is the page's. */
const moveForm = moveAliasInput.omit({ model: true });
type MoveForm = UseFormReturn<z.input<typeof moveForm>, unknown, z.output<typeof moveForm>>;
const MOVE_FIELDS = ["alias", "version", "reason"] as const;

/** Invalidate everything an alias change shows up in. */
export function useRegistryRefresh() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      [trpc.registry.models, trpc.registry.versions, trpc.registry.aliases, trpc.registry.approvals, trpc.registry.prompts].map((r) =>
        queryClient.invalidateQueries({ queryKey: r.pathKey() }),
      ),
    );
}

/**
 * Aliases of one model: where each points, move (gates and approvals apply), roll back, and their history.
 * A prompt's labels are its aliases: `noun="label"` says so in the panel's words.
 */
export function AliasPanel({ model, aliases, noun = "alias" }: { model: string; aliases: Alias[]; noun?: "alias" | "label" }) {
  const project = useProject();
  const canWrite = atLeast(project.role, "engineer");
  // the form lives here: a row's "Move" button fills its alias
  const form = useZodForm(moveForm, { alias: "production", version: undefined, reason: undefined });
  const [rollingBack, setRollingBack] = useState<string | null>(null);
  const moveRef = useRef<HTMLDivElement>(null);

  return (
    <div className="flex flex-col gap-6">
      {aliases.length === 0 ? (
        <p className="text-sm text-slate-500">
          No {noun === "alias" ? "aliases" : "labels"} yet. Point one (production, staging, …) at a version below.
        </p>
      ) : (
        <Table label={noun === "alias" ? "Aliases" : "Labels"}>
          <thead>
            <tr>
              <Th>{noun === "alias" ? "Alias" : "Label"}</Th>
              <Th>Version</Th>
              <Th>Since</Th>
              {canWrite && (
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              )}
            </tr>
          </thead>
          <tbody>
            {aliases.map((a) => (
              <tr key={a.alias}>
                <Td className="font-medium">@{a.alias}</Td>
                <Td className="tabular-nums">v{a.version}</Td>
                <Td>
                  <When at={a.updatedAt} />
                </Td>
                {canWrite && (
                  <Td>
                    <div className="flex justify-end gap-2">
                      <Button
                        size="sm"
                        aria-label={`Move ${a.alias}`}
                        onClick={() => {
                          form.setValue("alias", a.alias, { shouldValidate: form.formState.isSubmitted });
                          moveRef.current?.querySelector<HTMLInputElement>("input")?.focus();
                        }}
                      >
                        Move
                      </Button>
                      <Button size="sm" variant="danger" aria-label={`Roll back ${a.alias}`} onClick={() => setRollingBack(a.alias)}>
                        Roll back
                      </Button>
                    </div>
                  </Td>
                )}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {rollingBack && <RollbackForm model={model} alias={rollingBack} onClose={() => setRollingBack(null)} />}
      {canWrite && (
        <div ref={moveRef}>
          <MoveForm model={model} form={form} noun={noun} />
        </div>
      )}
      <AliasHistory model={model} />
    </div>
  );
}

function MoveForm({ model, form, noun }: { model: string; form: MoveForm; noun: "alias" | "label" }) {
  const Noun = noun === "alias" ? "Alias" : "Label";
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const versions = useQuery(trpc.registry.versions.list.queryOptions({ projectId: project.slug, model, limit: 200, status: ["ready"] }));
  const moveAlias = useMutation(trpc.registry.aliases.move.mutationOptions());
  // a prompt's label moves through the prompts API, which also refuses `latest` (kept for the newest version)
  const moveLabel = useMutation(trpc.registry.prompts.moveLabel.mutationOptions());
  const move = noun === "label" ? moveLabel : moveAlias;
  const [result, setResult] = useState<MoveResult | null>(null);

  async function submit(values: z.output<typeof moveForm>) {
    setResult(null);
    move.reset();
    try {
      setResult(
        noun === "label"
          ? await moveLabel.mutateAsync({
              projectId: project.id,
              name: model,
              label: values.alias,
              version: values.version,
              reason: values.reason,
            })
          : await moveAlias.mutateAsync({ projectId: project.id, model, ...values }),
      );
      form.resetField("reason");
      await refresh();
    } catch (err) {
      // a gate's refusal names the version, but reads best as the gates' results above the button
      if (!isGateFailure(err)) applyServerError(form, err, MOVE_FIELDS);
    }
  }

  // an error about a field shows under it; the rest (a gate, a permission) above the button, with the gates' results
  const named = errorField(move.error);
  const gates = isGateFailure(move.error) ? gatesOfError(move.error) : null;
  const aboutField = !gates && !!named && MOVE_FIELDS.some((f) => named === f || named.startsWith(`${f}.`));
  return (
    <ZodForm form={form} onSubmit={submit} label={`Move ${noun}`} className="flex flex-col gap-4 border-t border-slate-200 pt-4">
      <h3 className="text-sm font-semibold text-slate-900">Move {noun === "alias" ? "an alias" : "a label"}</h3>
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="alias" label={Noun} hint={`A new name creates the ${noun}.`}>
          <Input {...form.register("alias")} maxLength={60} list="registry-alias-names" />
        </FormField>
        <FormField name="version" label="Version" hint={versions.data?.items.length === 0 ? "No ready version yet." : undefined}>
          <Select {...form.register("version", { setValueAs: toNumber })}>
            <option value="">Pick a version…</option>
            {(versions.data?.items ?? []).map((v) => (
              <option key={v.id} value={v.version}>
                v{v.version}
                {v.aliases.length ? ` (@${v.aliases.join(", @")})` : ""}
              </option>
            ))}
          </Select>
        </FormField>
        <FormField name="reason" label="Reason" hint="Optional; kept in the history.">
          <Input {...form.register("reason", { setValueAs: emptyToUndefined })} maxLength={2000} />
        </FormField>
      </div>
      <datalist id="registry-alias-names">
        {["production", "staging", "canary", "champion", "challenger"].map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {move.error && !aboutField && (
        <Alert>
          <p className="font-medium">{gates ? "Blocked by gates" : `Could not move the ${noun}`}</p>
          <p className="mt-0.5">{errorMessage(move.error)}</p>
          {gates && (
            <div className="mt-3 rounded-md bg-white p-3 text-slate-700">
              <GateResults checks={gates} />
            </div>
          )}
        </Alert>
      )}
      {result?.status === "moved" && (
        <Done>
          Moved @{result.alias} to v{result.version}
          {result.previous !== null ? ` (was v${result.previous})` : ""}.
        </Done>
      )}
      {result?.status === "unchanged" && (
        <Done>
          @{result.alias} already points at v{result.version}.
        </Done>
      )}
      {result?.status === "pending" && (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <span className="font-medium">Waiting for approval:</span> moving @{result.alias} to v{result.version} needs{" "}
          {result.request.requiredApprovals} approval{result.request.requiredApprovals === 1 ? "" : "s"} from{" "}
          {result.request.approverRoles.join(", ")}. The request is listed under Approval requests.
        </p>
      )}
      <div>
        <Button type="submit" variant="primary" loading={move.isPending}>
          Move {noun}
        </Button>
      </div>
    </ZodForm>
  );
}

function RollbackForm({ model, alias, onClose }: { model: string; alias: string; onClose: () => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const rollback = useMutation(trpc.registry.aliases.rollback.mutationOptions());
  const [reason, setReason] = useState("");

  async function submit(e: FormEvent) {
    e.preventDefault();
    rollback.reset();
    try {
      await rollback.mutateAsync({ projectId: project.id, model, alias, reason: reason.trim() || undefined });
      await refresh();
    } catch {
      // shown from rollback.error
    }
  }

  const r = rollback.data;
  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={`Roll back ${alias}`}
      className="flex flex-col gap-3 rounded-md border border-red-200 bg-red-50/40 p-4"
    >
      <p className="text-sm text-slate-700">
        Point <span className="font-medium">@{alias}</span> back at the version it had before its last move. No gates or approvals: that
        version was live on this alias already.
      </p>
      <Field label="Rollback reason" hint="Optional; kept in the history.">
        <Input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
      </Field>
      {rollback.error && <Alert>{errorMessage(rollback.error)}</Alert>}
      {r && (
        <Done>
          Rolled back @{r.alias} to v{r.version}
          {r.previous !== null ? ` (was v${r.previous})` : ""}.
        </Done>
      )}
      <div className="flex gap-2">
        {!r && (
          <Button type="submit" variant="danger" loading={rollback.isPending}>
            Confirm roll back
          </Button>
        )}
        <Button variant="ghost" onClick={onClose}>
          {r ? "Close" : "Cancel"}
        </Button>
      </div>
    </form>
  );
}
