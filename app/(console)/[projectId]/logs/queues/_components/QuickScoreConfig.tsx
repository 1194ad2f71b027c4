"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button, ErrorBox, Field, Input, Select } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterInputs, useTRPC } from "@/app/_lib/trpc";
import type { ScoreConfig } from "./review";

const KINDS = {
  boolean: { label: "Yes / No", input: { dataType: "boolean" } },
  scale: { label: "Scale 1–5", input: { dataType: "numeric", min: 1, max: 5 } },
  text: { label: "Free text", input: { dataType: "text" } },
} as const satisfies Record<string, { label: string; input: Partial<RouterInputs["logs"]["scoreConfigs"]["create"]> }>;
type Kind = keyof typeof KINDS;

/**
 * A small score-config maker inside the queue form (not a <form> itself: forms do not nest).
 * Categories and other ranges are made in Logs settings.
 */
export function QuickScoreConfig({ onCreated }: { onCreated: (c: ScoreConfig) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("boolean");
  const create = useMutation(
    trpc.logs.scoreConfigs.create.mutationOptions({
      onSuccess: (c) => {
        setName("");
        onCreated(c);
      },
    }),
  );
  // The id, not the slug: the server's insert spreads the input over its own project id.
  const save = () => create.mutate({ projectId: project.id, name: name.trim(), ...KINDS[kind].input });
  const general = formError(create.error, ["name"]);

  return (
    <div className="rounded-md border border-dashed border-slate-300 bg-white p-3">
      <p className="mb-2 text-xs text-slate-500">
        A queue rates with score configs. Make one here, or with categories and other ranges in{" "}
        <Link href={`/${project.slug}/logs/settings`} className="font-medium text-indigo-600 hover:text-indigo-500">
          Logs settings
        </Link>
        .
      </p>
      {general && (
        <div className="mb-2">
          <ErrorBox title="Could not create the score config" message={general} />
        </div>
      )}
      <div className="flex flex-wrap items-start gap-2">
        <Field label="Score name" error={fieldError(create.error, "name")} className="min-w-40 flex-1">
          <Input
            value={name}
            maxLength={100}
            placeholder="helpful"
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                if (name.trim()) save();
              }
            }}
          />
        </Field>
        <Field label="Score type" className="w-36">
          <Select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {Object.entries(KINDS).map(([k, v]) => (
              <option key={k} value={k}>
                {v.label}
              </option>
            ))}
          </Select>
        </Field>
        <Button onClick={save} loading={create.isPending} disabled={!name.trim()} className="mt-6.5">
          Add score
        </Button>
      </div>
    </div>
  );
}
