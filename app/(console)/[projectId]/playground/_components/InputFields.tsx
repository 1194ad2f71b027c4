"use client";

import { useFieldArray, useFormContext } from "react-hook-form";
import { FormField, toNumber } from "@/app/_components/form";
import { Button, Input, Select, Textarea } from "@/app/_components/ui";
import type { PlaygroundForm } from "@/server/routing/inputs";

/** Chat messages, in order: a role and its text each (a prompt target's own messages go before these). */
export function MessagesEditor() {
  const form = useFormContext<PlaygroundForm>();
  const messages = useFieldArray({ control: form.control, name: "messages" });
  return (
    <FormField name="messages" label="Messages">
      <ol className="flex flex-col gap-2">
        {messages.fields.map((f, i) => (
          <li key={f.id} className="grid gap-2 sm:grid-cols-[8rem_1fr_auto]">
            <Select aria-label={`Message ${i + 1} role`} {...form.register(`messages.${i}.role`)}>
              <option value="system">system</option>
              <option value="user">user</option>
              <option value="assistant">assistant</option>
            </Select>
            <Textarea aria-label={`Message ${i + 1}`} rows={2} {...form.register(`messages.${i}.content`)} />
            <Button variant="ghost" size="sm" aria-label={`Remove message ${i + 1}`} onClick={() => messages.remove(i)}>
              Remove
            </Button>
          </li>
        ))}
        <li>
          <Button size="sm" onClick={() => messages.append({ role: "user", content: "" })}>
            Add message
          </Button>
        </li>
      </ol>
    </FormField>
  );
}

/** A typed list of stop sequences (comma-separated) as the list the schema checks; empty: none. */
const stopList = (v: unknown) => {
  if (typeof v !== "string") return v;
  const items = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};

const NUMBERS = [
  { name: "temperature", label: "Temperature", step: "0.1", hint: "0 to 2" },
  { name: "max_tokens", label: "Max tokens", step: "1", hint: "1 to 32768" },
  { name: "top_p", label: "Top p", step: "0.05", hint: "0 to 1" },
  { name: "seed", label: "Seed", step: "1", hint: "whole number" },
  { name: "presence_penalty", label: "Presence penalty", step: "0.1", hint: "-2 to 2" },
  { name: "frequency_penalty", label: "Frequency penalty", step: "0.1", hint: "-2 to 2" },
] as const;

/** The model parameters, each empty by default (the model's or the prompt's own value applies). */
export function ParamsFields() {
  const form = useFormContext<PlaygroundForm>();
  return (
    <div className="grid gap-3 sm:grid-cols-3 lg:grid-cols-4">
      {NUMBERS.map((p) => (
        <FormField key={p.name} name={`params.${p.name}`} label={p.label} hint={p.hint}>
          <Input type="number" inputMode="decimal" step={p.step} {...form.register(`params.${p.name}`, { setValueAs: toNumber })} />
        </FormField>
      ))}
      <FormField name="params.stop" label="Stop sequences" hint="comma-separated, up to 4">
        <Input {...form.register("params.stop", { setValueAs: stopList })} />
      </FormField>
    </div>
  );
}
