"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Done, Field, Input } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast, ROLE_ORDER, type Role, roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { useRegistryRefresh } from "./AliasPanel";

type Policy = NonNullable<RouterOutputs["registry"]["models"]["get"]["policy"]>;

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
  const [aliases, setAliases] = useState((policy?.aliases ?? ["production"]).join(", "));
  const [required, setRequired] = useState(String(policy?.requiredApprovals ?? 1));
  const [roles, setRoles] = useState<Role[]>((policy?.approverRoles as Role[] | undefined) ?? ["owner", "admin"]);
  const [gateIds, setGateIds] = useState<string[]>(policy?.gateIds ?? []);
  const [local, setLocal] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setSaved(null);
    save.reset();
    remove.reset();
    const list = aliases
      .split(/[\s,]+/)
      .map((a) => a.trim())
      .filter(Boolean);
    const n = Number(required);
    if (list.length === 0) return setLocal('Name at least one alias, or "*" for all.');
    if (!Number.isInteger(n) || n < 0 || n > 10) return setLocal("Required approvals is a whole number from 0 to 10.");
    if (roles.length === 0) return setLocal("Pick at least one approver role.");
    try {
      await save.mutateAsync({ projectId: project.id, model, aliases: list, requiredApprovals: n, approverRoles: roles, gateIds });
      setSaved("Policy saved.");
      await refresh();
    } catch {
      // shown from save.error
    }
  }

  async function drop() {
    setLocal(null);
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

  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item));
  const error = local ?? formError(save.error, ["aliases", "requiredApprovals"]) ?? formError(remove.error, []);
  return (
    <form onSubmit={submit} noValidate aria-label="Approval policy" className="flex flex-col gap-4">
      <p className="text-sm text-slate-500">
        {policy ? "Moves of the guarded aliases pass the gates, then wait for the approvals." : "No policy yet: aliases move at once."}
      </p>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Guarded aliases" hint='Comma-separated; "*" guards every alias.' error={fieldError(save.error, "aliases")}>
          <Input value={aliases} onChange={(e) => setAliases(e.target.value)} />
        </Field>
        <Field label="Required approvals" hint="0: gates only, no votes." error={fieldError(save.error, "requiredApprovals")}>
          <Input type="number" min={0} max={10} value={required} onChange={(e) => setRequired(e.target.value)} />
        </Field>
      </div>
      <fieldset className="flex flex-wrap items-center gap-4">
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Approver roles</legend>
        {ROLE_ORDER.map((r) => (
          <label key={r} className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300"
              checked={roles.includes(r)}
              onChange={(e) => setRoles((s) => toggle(s, r, e.target.checked))}
            />
            {roleLabel(r)}
          </label>
        ))}
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
                  onChange={(e) => setGateIds((s) => toggle(s, g.id, e.target.checked))}
                />
                {g.name}
              </label>
            ))}
          </div>
        )}
        <p className="text-xs text-slate-500">Each gate reads the newest succeeded eval run linked to the version being moved.</p>
      </fieldset>
      {error && <Alert>{error}</Alert>}
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
    </form>
  );
}
