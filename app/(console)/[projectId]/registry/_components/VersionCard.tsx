"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Markdown } from "@/app/_components/Markdown";
import { Alert, Button, Field, Textarea } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { useRegistryRefresh } from "./AliasPanel";

export function VersionCard({ model, version, card }: { model: string; version: number; card: string | null }) {
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const update = useMutation(trpc.registry.versions.update.mutationOptions());
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(card ?? "");
  const canWrite = atLeast(project.role, "engineer");

  async function save() {
    update.reset();
    try {
      await update.mutateAsync({ projectId: project.id, model, version, card: text.trim() ? text : null });
      setEditing(false);
      await refresh();
    } catch {
      // shown from update.error
    }
  }

  if (editing)
    return (
      <div className="flex flex-col gap-3">
        <Field label="Model card" hint="Markdown, with GitHub tables; HTML is not rendered.">
          <Textarea value={text} onChange={(e) => setText(e.target.value)} rows={12} className="font-mono" />
        </Field>
        {update.error && <Alert>{errorMessage(update.error)}</Alert>}
        <div className="flex gap-2">
          <Button variant="primary" loading={update.isPending} onClick={() => void save()}>
            Save card
          </Button>
          <Button variant="ghost" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        </div>
      </div>
    );
  return (
    <div className="flex flex-col gap-3">
      {card ? <Markdown text={card} data-testid="model-card" /> : <p className="text-sm text-slate-500">No model card.</p>}
      {canWrite && (
        <div>
          <Button
            size="sm"
            onClick={() => {
              setText(card ?? "");
              setEditing(true);
            }}
          >
            Edit card
          </Button>
        </div>
      )}
    </div>
  );
}
