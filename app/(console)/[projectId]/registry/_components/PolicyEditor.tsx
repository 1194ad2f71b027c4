"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { z } from "zod";
import { applyServerError, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Alert, Button, Done, Input } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast, ROLE_ORDER, type Role, roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { policyFields } from "@/server/registry/inputs";
import { useRegistryRefresh } from "./AliasPanel";

type Policy = NonNullable<RouterOutputs["registry"]["models"]["get"]["policy"]>;

/** The policy as the server checks it, the aliases typed as text ("production, staging"); the model is the page's. */
const policyForm = policyFields.omit({ model: true }).extend({
  aliases: z.string().transform((text, ctx) => {
    const list = text.split(/[\s,]+/).filter(Boolean);
    const checked = policyFields.shape.aliases.safeParse(list);
    if (checked.success) return checked.data;
    // the list's own messages, under the one box (naming the alias an issue is about)
    for (const issue of checked.error.issues) {
      const at = typeof issue.path[0] === "number" ? list[issue.path[0]] : undefined;
      ctx.addIssue({ code: "custom", message: at !== undefined ? `${at}: ${issue.message}` : issue.message });
    }
    return z.NEVER;
  }),
});
const POLICY_FIELDS = ["aliases", "requiredApprovals", "approverRoles", "gateIds"] as const;

/** Which aliases need gates and approvals before a move, and from whom. Admins edit; everyone reads. */
export function PolicyEditor({ model, policy }: { model: string; policy: Policy | null }) {
  const project = useProject();
  const trpc = useTRPC();
  const gates = useQuery(trpc.evals.gates.list.queryOptions({ projectId: project.slug }));
  const gateName = (id: string) => gates.data?.find((g) => g.id === id)?.name ?? id.slice(0, 8);
  if (!atLeast(project.role, "admin")) {
    if (!policy) return <p className="text-sm text-slate-500">No policy: engineers move aliases at once.</p>;
    return (
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-500">Guarded aliases</dt>
        <dd>{policy.aliases.join(", ")}</dd>
        <dt className="text-slate-500">Required approvals</dt>
        <dd>{policy.requiredApprovals}</dd>
        <dt className="text-slate-500">Approver roles</dt>
        <dd>{policy.approverRoles.join(", ")}</dd>
        <dt className="text-slate-500">Gates</dt>
        <dd>{policy.gateIds.length ? policy.gateIds.map(gateName).join(", ") : "none"}</dd>
      </dl>
    );
  }
  return <PolicyForm model={model} policy={policy} gates={gates.data ?? []} />;
}

function PolicyForm({ model, policy, gates }: { model: string; policy: Policy | null; gates: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const save = useMutation(trpc.registry.approvals.setPolicy.mutationOptions());
  const remove = useMutation(trpc.registry.approvals.deletePolicy.mutationOptions());
  const form = useZodForm(policyForm, {
    aliases: (policy?.aliases ?? ["production"]).join(", "),
    requiredApprovals: policy?.requiredApprovals ?? 1,
    approverRoles: (policy?.approverRoles as Role[] | undefined) ?? ["owner", "admin"],
    gateIds: policy?.gateIds ?? [],
  });
  const [saved, setSaved] = useState<string | null>(null);
  const roles = form.watch("approverRoles");
  const gateIds = form.watch("gateIds");
  const pick = (name: "approverRoles" | "gateIds", list: string[], item: string, on: boolean) =>
    form.setValue(name, on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item), {
      shouldValidate: form.formState.isSubmitted,
    });

  async function submit(values: z.output<typeof policyForm>) {
    setSaved(null);
    remove.reset();
    try {
      await save.mutateAsync({ projectId: project.id, model, ...values, approverRoles: values.approverRoles as Role[] });
    } catch (err) {
      return applyServerError(form, err, POLICY_FIELDS);
    }
    setSaved("Policy saved.");
    await refresh();
  }

  async function drop() {
    setSaved(null);
    save.reset();
    try {
      await remove.mutateAsync({ projectId: project.id, model });
      setSaved("Policy removed.");
      await refresh();
    } catch {
      // shown from remove.error
    }
  }

  const rolesError = form.formState.errors.approverRoles?.message;
  const gatesError = form.formState.errors.gateIds?.message ?? form.formState.errors.gateIds?.root?.message;
  return (
    <ZodForm form={form} onSubmit={submit} label="Approval policy">
      <p className="text-sm text-slate-500">
        {policy ? "Moves of the guarded aliases pass the gates, then wait for the approvals." : "No policy yet: aliases move at once."}
      </p>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="aliases" label="Guarded aliases" hint='Comma-separated; "*" guards every alias.'>
          <Input {...form.register("aliases")} />
        </FormField>
        <FormField name="requiredApprovals" label="Required approvals" hint="0: gates only, no votes.">
          <Input type="number" min={0} max={10} {...form.register("requiredApprovals", { setValueAs: toNumber })} />
        </FormField>
      </div>
      <fieldset className="flex flex-wrap items-center gap-4" aria-invalid={rolesError ? true : undefined}>
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Approver roles</legend>
        {ROLE_ORDER.map((r) => (
          <label key={r} className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300"
              checked={roles.includes(r)}
              onChange={(e) => pick("approverRoles", roles, r, e.target.checked)}
            />
            {roleLabel(r)}
          </label>
        ))}
        {rolesError && <p className="w-full text-xs text-red-600">{capital(rolesError)}</p>}
      </fieldset>
      <fieldset className="flex flex-col gap-1.5">
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Gates</legend>
        {gates.length === 0 ? (
          <p className="text-xs text-slate-500">No gates in this project; create them on the Evals page.</p>
        ) : (
          <div className="flex flex-wrap gap-4">
            {gates.map((g) => (
              <label key={g.id} className="flex items-center gap-2 text-sm text-slate-700">
                <input
                  type="checkbox"
                  className="size-4 rounded border-slate-300"
                  checked={gateIds.includes(g.id)}
                  onChange={(e) => pick("gateIds", gateIds, g.id, e.target.checked)}
                />
                {g.name}
              </label>
            ))}
          </div>
        )}
        {gatesError && <p className="text-xs text-red-600">{capital(gatesError)}</p>}
        <p className="text-xs text-slate-500">Each gate reads the newest succeeded eval run linked to the version being moved.</p>
      </fieldset>
      <FormError />
      {remove.error && <Alert>{errorMessage(remove.error)}</Alert>}
      {saved && <Done>{saved}</Done>}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={save.isPending}>
          Save policy
        </Button>
        {policy && (
          <Button variant="danger" loading={remove.isPending} onClick={() => void drop()}>
            Remove policy
          </Button>
        )}
      </div>
    </ZodForm>
  );
}

const capital = (m: string) => `${m.charAt(0).toUpperCase()}${m.slice(1)}`;
