"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { Button, Field, Input, Select } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

/** Named explorer views ({name, query string}), shared by the project's members, kept by the server. */
export function SavedViews({
  projectId,
  query,
  onApply,
  tuneHref,
}: {
  projectId: string;
  query: string;
  onApply: (query: string) => void;
  /** where "Fine-tune on it" leads for a saved view (the launch form with that view picked); absent: no link */
  tuneHref?: (view: string) => string;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery(trpc.logs.views.list.queryOptions({ projectId }));
  const views = list.data ?? [];
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.logs.views.list.queryKey() });
  const saveM = useMutation(trpc.logs.views.save.mutationOptions({ onSuccess: refresh }));
  const deleteM = useMutation(trpc.logs.views.delete.mutationOptions({ onSuccess: refresh }));
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const current = views.find((v) => v.query === query);
  const error = saveM.error ?? deleteM.error ?? list.error;

  const save = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    // Same name replaces: saving "errors" again updates that view.
    saveM.mutate(
      { projectId, name: n, query },
      {
        onSuccess: () => {
          setNaming(false);
          setName("");
        },
      },
    );
  };
  const remove = () => {
    if (current && window.confirm(`Delete the saved view "${current.name}"?`)) deleteM.mutate({ projectId, id: current.id });
  };

  if (naming) {
    return (
      <form onSubmit={save} aria-label="Save view" className="flex items-end gap-2">
        <Field label="View name" className="w-48">
          <Input
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && setNaming(false)}
            placeholder="Errors this week"
            maxLength={80}
            autoFocus
          />
        </Field>
        <Button type="submit" variant="primary" disabled={!name.trim() || saveM.isPending}>
          Save
        </Button>
        <Button variant="ghost" onClick={() => setNaming(false)}>
          Cancel
        </Button>
      </form>
    );
  }
  return (
    <div className="flex items-end gap-2">
      <Field label="Saved views" className="w-48">
        <Select
          value={current?.name ?? ""}
          onChange={(e) => {
            const v = views.find((x) => x.name === e.target.value);
            if (v) onApply(v.query);
          }}
        >
          <option value="" disabled={views.length > 0}>
            {views.length ? "Current filters" : "No saved views"}
          </option>
          {views.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
            </option>
          ))}
        </Select>
      </Field>
      <Button
        onClick={() => {
          setName(current?.name ?? "");
          setNaming(true);
        }}
      >
        Save view
      </Button>
      {current && (
        <Button variant="ghost" onClick={remove} aria-label={`Delete saved view ${current.name}`}>
          Delete
        </Button>
      )}
      {current && tuneHref && (
        <Link
          href={tuneHref(current.name)}
          className="pb-2 text-sm font-medium whitespace-nowrap text-indigo-600 hover:text-indigo-500"
          title="Launch a tuning job on this view's traces"
        >
          Fine-tune on it
        </Link>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(error)}
        </p>
      )}
    </div>
  );
}
