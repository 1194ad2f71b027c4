"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Card, ErrorBox, Input, Skeleton, Table, Td, Textarea, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { newGateForm, ruleLines } from "./gate-form";

/** The project's gates, and (for engineers up) a new one, checked by the server's gateInput before it is sent. */
export function Gates({ canWrite }: { canWrite: boolean }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const gates = useQuery(trpc.evals.gates.list.queryOptions({ projectId: project.slug }));
  const create = useMutation(trpc.evals.gates.create.mutationOptions());
  const form = useZodForm(newGateForm, { name: "", rules: "" });

  async function submit(v: z.output<typeof newGateForm>) {
    try {
      await create.mutateAsync({ projectId: project.id, name: v.name.trim(), rules: ruleLines(v.rules) });
    } catch (err) {
      return applyServerError(form, err, ["name", "rules"]);
    }
    form.reset({ name: "", rules: "" });
    await queryClient.invalidateQueries({ queryKey: trpc.evals.gates.list.queryKey() });
  }

  return (
    <Card title="Gates" description="Named rules a run must pass before promotion, optionally relative to a baseline run.">
      <div className="flex flex-col gap-6">
        {gates.isPending ? (
          <Skeleton rows={2} />
        ) : gates.isError ? (
          <ErrorBox title="Could not load gates" message={errorMessage(gates.error)} onRetry={() => void gates.refetch()} />
        ) : gates.data.length === 0 ? (
          <p className="text-sm text-slate-500">No gates yet.</p>
        ) : (
          <Table label="Gates">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Rules</Th>
              </tr>
            </thead>
            <tbody>
              {gates.data.map((g) => (
                <tr key={g.id}>
                  <Td className="align-top font-medium">{g.name}</Td>
                  <Td>
                    <ul className="flex flex-col gap-0.5">
                      {g.rules.map((r) => (
                        <li key={r}>
                          <code className="font-mono text-xs">{r}</code>
                        </li>
                      ))}
                    </ul>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {canWrite && (
          <ZodForm form={form} onSubmit={submit} label="New gate" className="flex flex-col gap-4 border-t border-slate-200 pt-4">
            <FormField name="name" label="Gate name">
              <Input {...form.register("name")} maxLength={100} placeholder="release" />
            </FormField>
            <FormField
              name="rules"
              label="Rules"
              hint="One per line, e.g. rougeL.fmeasure >= 0.40, or bleu.score >= baseline.bleu.score - 1.0 against a baseline run."
            >
              <Textarea
                rows={4}
                {...form.register("rules")}
                placeholder={"rougeL.fmeasure >= 0.40\nbleu.score >= baseline.bleu.score - 1.0"}
                className="font-mono"
              />
            </FormField>
            <FormError />
            <div>
              <Button type="submit" variant="primary" loading={create.isPending}>
                Create gate
              </Button>
            </div>
          </ZodForm>
        )}
      </div>
    </Card>
  );
}
