"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { get, useFieldArray, useFormState, useWatch } from "react-hook-form";
import type { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Done, Input, Select, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { promptForm } from "@/server/registry/inputs";
import { promptHref } from "./links";

type Created = RouterOutputs["registry"]["prompts"]["create"];
type FormIn = z.input<typeof promptForm>;
const FIELDS = ["name", "prompt", "messages", "config", "labels", "commitMessage"] as const;

/** A version the form starts from (the prompt's newest, for its next version). */
export interface PromptStart {
  type: "text" | "chat";
  prompt?: string;
  messages?: { role: "system" | "user" | "assistant"; content: string }[];
  config: Record<string, unknown>;
}

const blank = (name: string, from?: PromptStart): FormIn => ({
  name,
  type: from?.type ?? "text",
  prompt: from?.prompt ?? "",
  messages: from?.messages?.length ? from.messages : [{ role: "user", content: "" }],
  config: from && Object.keys(from.config).length ? JSON.stringify(from.config, null, 2) : "",
  labels: "",
  commitMessage: "",
});

/**
 * A new prompt (no `name`), or the next version of prompt `name` starting from `from`: text or chat
 * messages with {{variables}}, config JSON, labels to point at it. Checked by the server's own
 * promptForm schema before anything is sent; the server's refusals land under the field they name.
 */
export function PromptForm({ name, from, onCreated }: { name?: string; from?: PromptStart; onCreated?: (c: Created) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.registry.prompts.create.mutationOptions());
  const form = useZodForm(promptForm, blank(name ?? "", from));
  const [created, setCreated] = useState<Created | null>(null);
  const type = useWatch({ control: form.control, name: "type" });

  async function submit(values: z.output<typeof promptForm>) {
    setCreated(null);
    try {
      const c = await create.mutateAsync({ projectId: project.id, ...values });
      setCreated(c);
      form.reset(name ? { ...form.getValues(), labels: "", commitMessage: "" } : blank(""));
      await queryClient.invalidateQueries({ queryKey: trpc.registry.pathKey() });
      onCreated?.(c);
    } catch (err) {
      applyServerError(form, err, FIELDS);
    }
  }

  const label = name ? "New prompt version" : "New prompt";
  return (
    <ZodForm form={form} onSubmit={submit} label={label}>
      <div className="grid gap-4 sm:grid-cols-2">
        {name ? (
          <input type="hidden" {...form.register("name")} />
        ) : (
          <FormField name="name" label="Prompt name" hint="No / @ : or \ — it appears in URLs.">
            <Input {...form.register("name")} maxLength={200} placeholder="support-answer" />
          </FormField>
        )}
        <FormField name="type" label="Type" hint="Text: one prompt. Chat: system, user and assistant messages.">
          <Select {...form.register("type")}>
            <option value="text">Text</option>
            <option value="chat">Chat messages</option>
          </Select>
        </FormField>
      </div>
      {type === "text" ? (
        <FormField name="prompt" label="Prompt text" hint="{{name}} marks a variable, filled when the prompt is used.">
          <Textarea {...form.register("prompt")} rows={5} className="font-mono" placeholder="Answer the question: {{question}}" />
        </FormField>
      ) : (
        <Messages form={form} />
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="config" label="Config (JSON)" hint='Model parameters and anything the app reads back, e.g. {"temperature": 0.2}.'>
          <Textarea {...form.register("config")} rows={3} className="font-mono" placeholder="{}" />
        </FormField>
        <div className="flex flex-col gap-4">
          <FormField name="labels" label="Labels" hint="Optional, comma separated (production, staging). Guarded labels may need approval.">
            <Input {...form.register("labels")} maxLength={2000} placeholder="staging" />
          </FormField>
          <FormField name="commitMessage" label="Commit message" hint="Optional; what changed.">
            <Input {...form.register("commitMessage")} maxLength={2000} />
          </FormField>
        </div>
      </div>
      <FormError />
      {created && (
        <Done>
          Created {created.name} version {created.version}
          {created.labels.length ? ` (${created.labels.map((l) => `@${l}`).join(", ")})` : ""}.
          {created.pending.length > 0 && ` Waiting for approval: ${created.pending.map((p) => `@${p.label}`).join(", ")}.`}{" "}
          {!name && (
            <Link href={promptHref(project.slug, created.name)} className="font-medium underline">
              Open {created.name}
            </Link>
          )}
        </Done>
      )}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          {name ? "Create version" : "Create prompt"}
        </Button>
      </div>
    </ZodForm>
  );
}

type Form = ReturnType<typeof useZodForm<typeof promptForm>>;

/** The chat messages: a role and a content box each, added and removed in place. */
function Messages({ form }: { form: Form }) {
  const { fields, append, remove } = useFieldArray({ control: form.control, name: "messages" });
  const { errors } = useFormState({ control: form.control, name: "messages" });
  const whole = get(errors, "messages") as { message?: string; root?: { message?: string } } | undefined;
  const message = whole?.message ?? whole?.root?.message;
  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-medium text-slate-700">Messages</legend>
      {fields.map((f, i) => (
        <div key={f.id} className="grid items-start gap-3 sm:grid-cols-[9rem_1fr_auto]">
          <FormField name={`messages.${i}.role`} label={`Message ${i + 1} role`}>
            <Select {...form.register(`messages.${i}.role`)}>
              <option value="system">system</option>
              <option value="user">user</option>
              <option value="assistant">assistant</option>
            </Select>
          </FormField>
          <FormField name={`messages.${i}.content`} label={`Message ${i + 1} content`}>
            <Textarea {...form.register(`messages.${i}.content`)} rows={2} className="font-mono" />
          </FormField>
          <div className="sm:pt-6">
            <Button size="sm" variant="ghost" onClick={() => remove(i)} aria-label={`Remove message ${i + 1}`}>
              Remove
            </Button>
          </div>
        </div>
      ))}
      {message && (
        <p role="alert" className="text-sm text-red-700">
          {message.charAt(0).toUpperCase() + message.slice(1)}
        </p>
      )}
      <div>
        <Button size="sm" onClick={() => append({ role: fields.length === 0 ? "system" : "user", content: "" })}>
          Add message
        </Button>
      </div>
    </fieldset>
  );
}
