"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { z } from "zod";
import { egressAllowList, type projectCreation } from "@/server/workspace/inputs";
import { applyServerError, FormError, FormField, textList, useZodForm, ZodForm } from "../../_components/form";
import { Button, Card, ErrorBox, Field, Select, Skeleton, Textarea } from "../../_components/ui";
import { errorMessage } from "../../_lib/errors";
import { useTRPC } from "../../_lib/trpc";

type Creation = z.infer<typeof projectCreation>;

export function InstanceSettings() {
  const trpc = useTRPC();
  const settings = useQuery(trpc.workspace.instance.settings.get.queryOptions());
  if (settings.isPending) return <Skeleton rows={3} />;
  if (settings.isError)
    return <ErrorBox title="Could not load the settings" message={errorMessage(settings.error)} onRetry={() => void settings.refetch()} />;
  return (
    <>
      <ProjectCreation value={settings.data.projectCreation} envDefault={settings.data.projectCreationDefault} />
      <EgressAllow value={settings.data.egressAllow} envList={settings.data.egressAllowEnv} />
    </>
  );
}

function useSet() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.workspace.instance.settings.set.mutationOptions({
      onSuccess: (data) => queryClient.setQueryData(trpc.workspace.instance.settings.get.queryKey(), data),
    }),
  );
}

/** Saved on change: a select of the schema's two values has nothing to check before sending. */
function ProjectCreation({ value, envDefault }: { value: Creation; envDefault: Creation }) {
  const set = useSet();
  return (
    <Card title="Project creation" description={`Who may create projects. The default (KEEL_PROJECT_CREATION) is "${envDefault}".`}>
      <Field label="Who may create projects" error={set.error ? errorMessage(set.error) : undefined} className="max-w-xs">
        <Select
          value={value}
          disabled={set.isPending}
          onChange={(e) => set.mutate({ key: "projects.creation", value: e.target.value as Creation })}
        >
          <option value="anyone">Anyone signed in</option>
          <option value="admins">Instance admins only</option>
        </Select>
      </Field>
    </Card>
  );
}

/** The allow-list as typed (one range a line, or comma-separated), checked item by item with the server's schema. */
const egressForm = z.object({ value: textList(egressAllowList) });

function EgressAllow({ value, envList }: { value: string[]; envList: string[] }) {
  const set = useSet();
  const form = useZodForm(egressForm, { value: value.join("\n") });
  const { reset } = form;
  // the saved (normalized) list replaces what was typed
  useEffect(() => reset({ value: value.join("\n") }), [reset, value]);
  async function submit(values: z.output<typeof egressForm>) {
    try {
      await set.mutateAsync({ key: "egress.allow", value: values.value });
    } catch (err) {
      // the server's CIDR check (node's own parser) names `value`: under the list
      applyServerError(form, err, ["value"]);
    }
  }
  return (
    <Card
      title="Outbound address allow-list"
      description="Webhooks and provider base URLs may not reach private ranges or loopback unless a range here (or in KEEL_EGRESS_ALLOW) allows it. Link-local and cloud metadata addresses are never reachable."
    >
      <ZodForm form={form} onSubmit={submit} label="Outbound address allow-list" className="flex flex-col gap-3">
        <FormError />
        {set.isSuccess && !set.isPending && (
          <p role="status" className="text-sm text-emerald-700">
            Saved.
          </p>
        )}
        <FormField
          name="value"
          label="Allowed ranges (CIDR, one per line)"
          hint="For example 10.20.0.0/16 for a self-hosted receiver, or 127.0.0.0/8 for a model server on this host."
        >
          <Textarea rows={5} {...form.register("value")} spellCheck={false} className="font-mono text-xs" />
        </FormField>
        <p className="text-xs text-slate-500">
          From the environment (KEEL_EGRESS_ALLOW, not changeable here): {envList.length ? envList.join(", ") : "none"}
        </p>
        <div className="flex justify-end">
          <Button type="submit" variant="primary" loading={set.isPending}>
            Save allow-list
          </Button>
        </div>
      </ZodForm>
    </Card>
  );
}
