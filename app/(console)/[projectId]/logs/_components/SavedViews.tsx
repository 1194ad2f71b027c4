"use client";

import { type FormEvent, useState } from "react";
import { Button, Field, Input, Select } from "../../../../_components/ui";
import { useLocalStorage } from "./useLocalStorage";

export interface SavedView {
  name: string;
  /** the explorer's query string, without "?" */
  query: string;
}

const NONE: SavedView[] = [];
const parseViews = (v: unknown): SavedView[] | null =>
  Array.isArray(v)
    ? v.filter((x): x is SavedView => !!x && typeof x === "object" && typeof x.name === "string" && typeof x.query === "string")
    : null;

/**
 * Named explorer views, kept in this browser's localStorage per project. Server-side saved views
 * (shared with the team, one list per project) come later; this keeps the same {name, query} shape
 * so they can be imported then.
 */
export function SavedViews({ projectId, query, onApply }: { projectId: string; query: string; onApply: (query: string) => void }) {
  const [views, setViews] = useLocalStorage<SavedView[]>(`keel.logs.views.${projectId}`, NONE, parseViews);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const current = views.find((v) => v.query === query);

  const save = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    // Same name replaces: saving "errors" again updates that view.
    setViews([...views.filter((v) => v.name !== n), { name: n, query }].sort((a, b) => a.name.localeCompare(b.name)));
    setNaming(false);
    setName("");
  };
  const remove = () => {
    if (current && window.confirm(`Delete the saved view "${current.name}"?`)) setViews(views.filter((v) => v !== current));
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
        <Button type="submit" variant="primary" disabled={!name.trim()}>
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
    </div>
  );
}
