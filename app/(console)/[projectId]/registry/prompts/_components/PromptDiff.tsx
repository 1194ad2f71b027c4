"use client";

import { useState } from "react";
import { cx } from "@/app/_components/classes";
import { Field, Select } from "@/app/_components/ui";
import { type DiffLine, lineDiff, stableJson } from "./line-diff";
import type { PromptVersion } from "./PromptVersions";

/** A version's template as titled texts: the text itself, or each message by position and role. */
function parts(v: PromptVersion | undefined): { title: string; text: string }[] {
  if (!v) return [];
  if (v.type === "text") return [{ title: "Text", text: v.prompt ?? "" }];
  return (v.messages ?? []).map((m, i) => ({ title: `Message ${i + 1} (${m.role})`, text: m.content }));
}

/**
 * Two versions side by side as line diffs: the text (or each chat message, paired by position; a
 * message only one side has is all added or all removed) and the config as sorted JSON.
 */
export function PromptDiff({ versions }: { versions: PromptVersion[] }) {
  // unpicked sides follow the list (the one before the newest, and the newest) as versions are added
  const [pickedA, setA] = useState<number | null>(null);
  const [pickedB, setB] = useState<number | null>(null);
  const a = pickedA ?? versions[1]?.version ?? versions[0]?.version;
  const b = pickedB ?? versions[0]?.version;
  const va = versions.find((v) => v.version === a);
  const vb = versions.find((v) => v.version === b);
  const pa = parts(va);
  const pb = parts(vb);
  const n = Math.max(pa.length, pb.length);
  const sections = Array.from({ length: n }, (_, i) => {
    const x = pa[i];
    const y = pb[i];
    // a text prompt against a chat one: its title says which side is which
    const title = x && y && x.title !== y.title ? `${x.title} → ${y.title}` : (y?.title ?? x?.title ?? "");
    const only = (text: string, kind: "added" | "removed") => text.split("\n").map((t) => ({ kind, text: t }));
    const lines: DiffLine[] = x && y ? lineDiff(x.text, y.text) : x ? only(x.text, "removed") : only(y?.text ?? "", "added");
    return { title, lines };
  });
  const config = lineDiff(stableJson(va?.config ?? {}), stableJson(vb?.config ?? {}));
  const pick = (value: number | undefined, set: (v: number) => void, label: string) => (
    <Field label={label} className="w-40">
      <Select value={value ?? ""} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v.id} value={v.version}>
            v{v.version}
          </option>
        ))}
      </Select>
    </Field>
  );

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-3">
        {pick(a, setA, "From version")}
        {pick(b, setB, "To version")}
        {va && vb && va.type !== vb.type && <p className="text-sm text-slate-600">One is a text prompt, the other chat messages.</p>}
      </div>
      {va && vb && (
        <section aria-label={`Diff of version ${va.version} and version ${vb.version}`} className="flex flex-col gap-4">
          {sections.map((s) => (
            <DiffBlock key={s.title} title={s.title} lines={s.lines} />
          ))}
          <DiffBlock title="Config" lines={config} />
        </section>
      )}
    </div>
  );
}

function DiffBlock({ title, lines }: { title: string; lines: DiffLine[] }) {
  const changed = lines.some((l) => l.kind !== "same");
  return (
    <section aria-label={`Diff: ${title}`}>
      <h3 className="text-xs font-semibold text-slate-500">
        {title}
        {!changed && <span className="ml-2 font-normal text-slate-400">unchanged</span>}
      </h3>
      <pre className="mt-1 overflow-x-auto rounded-md border border-slate-200 font-mono text-xs leading-5">
        {lines.map((l, i) => (
          <div
            // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines are positional
            key={i}
            className={cx(
              "px-3 whitespace-pre-wrap wrap-anywhere",
              l.kind === "added" && "bg-green-50 text-green-900",
              l.kind === "removed" && "bg-red-50 text-red-900",
              l.kind === "same" && "text-slate-600",
            )}
          >
            <span aria-hidden="true" className="mr-2 select-none text-slate-400">
              {l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "}
            </span>
            <span className="sr-only">{l.kind === "added" ? "added: " : l.kind === "removed" ? "removed: " : ""}</span>
            {l.text}
          </div>
        ))}
      </pre>
    </section>
  );
}
