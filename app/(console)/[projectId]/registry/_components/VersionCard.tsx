"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Field, Textarea } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { useRegistryRefresh } from "./AliasPanel";

/** Markdown shown as text with headings and list bullets set apart; no markdown library. */
function CardText({ text }: { text: string }) {
  const lines = text.split("\n");
  return (
    <div className="flex flex-col text-sm text-slate-800">
      {lines.map((line, i) => {
        const h = /^(#{1,6})\s+(.*)$/.exec(line);
        const key = `${i}-${line.slice(0, 20)}`;
        if (h)
          return (
            <p key={key} className={`font-semibold text-slate-900 ${h[1]?.length === 1 ? "mt-3 text-base" : "mt-2"}`}>
              {h[2]}
            </p>
          );
        if (!line.trim()) return <div key={key} className="h-2" />;
        return (
          <p key={key} className="font-mono text-xs leading-5 whitespace-pre-wrap">
            {line}
          </p>
        );
      })}
    </div>
  );
}

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
        <Field label="Model card" hint="Markdown.">
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
      {card ? <CardText text={card} /> : <p className="text-sm text-slate-500">No model card.</p>}
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
