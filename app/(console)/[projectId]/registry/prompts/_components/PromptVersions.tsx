"use client";

import Link from "next/link";
import { Badge, Button, Table, Td, Th, When } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { AliasBadge } from "../../_components/shared";
import { stableJson } from "./line-diff";
import { promptTracesHref } from "./links";

export type PromptVersion = RouterOutputs["registry"]["prompts"]["versions"]["items"][number];

const labelBadge = (l: string) => (l === "latest" ? <Badge key={l}>latest</Badge> : <AliasBadge key={l} alias={l} />);

/** A prompt's versions, newest first: number, created, author, labels; each opens below and links to its traces. */
export function PromptVersionsTable({
  versions,
  selected,
  onSelect,
}: {
  versions: PromptVersion[];
  selected: number | null;
  onSelect: (v: number) => void;
}) {
  const project = useProject();
  return (
    <Table label="Prompt versions">
      <thead>
        <tr>
          <Th>Version</Th>
          <Th>Created</Th>
          <Th>Author</Th>
          <Th>Labels</Th>
          <Th>Commit message</Th>
          <Th>
            <span className="sr-only">Actions</span>
          </Th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.id} aria-selected={selected === v.version}>
            <Td className="font-medium tabular-nums">v{v.version}</Td>
            <Td>
              <When at={v.createdAt} />
            </Td>
            <Td className="text-xs break-all">{v.author ?? <span className="text-slate-400">—</span>}</Td>
            <Td>
              <div className="flex flex-wrap gap-1">{v.labels.map(labelBadge)}</div>
            </Td>
            <Td className="max-w-xs text-xs text-slate-600">{v.commitMessage ?? <span className="text-slate-400">—</span>}</Td>
            <Td>
              <div className="flex justify-end gap-2 whitespace-nowrap">
                <Button size="sm" aria-label={`Show version ${v.version}`} onClick={() => onSelect(v.version)}>
                  Show
                </Button>
                <Link
                  href={promptTracesHref(project.slug, v.id)}
                  className="rounded px-2 py-1 text-xs font-medium text-indigo-600 hover:text-indigo-500"
                  aria-label={`Traces of version ${v.version}`}
                >
                  Traces
                </Link>
              </div>
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** One version's text or messages and its config, as stored ({{variables}} unfilled). */
export function PromptVersionView({ v }: { v: PromptVersion }) {
  return (
    <section aria-label={`Version ${v.version}`} className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
        <span className="font-semibold text-slate-900">Version {v.version}</span>
        <span>{v.type === "text" ? "text prompt" : `${v.messages?.length ?? 0} chat messages`}</span>
        <div className="flex flex-wrap gap-1">{v.labels.map(labelBadge)}</div>
      </div>
      {v.type === "text" ? (
        <pre className="overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-sm whitespace-pre-wrap wrap-anywhere text-slate-800">
          {v.prompt}
        </pre>
      ) : (
        <ol className="flex flex-col gap-2">
          {(v.messages ?? []).map((m, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: messages are positional and never reordered here
            <li key={i} className="rounded-md border border-slate-200 bg-slate-50 p-3">
              <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{m.role}</p>
              <pre className="mt-1 font-mono text-sm whitespace-pre-wrap wrap-anywhere text-slate-800">{m.content}</pre>
            </li>
          ))}
        </ol>
      )}
      <div>
        <h3 className="text-xs font-semibold text-slate-500">Config</h3>
        {Object.keys(v.config).length === 0 ? (
          <p className="text-sm text-slate-500">None.</p>
        ) : (
          <pre
            title={`Config of version ${v.version}`}
            className="mt-1 overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-800"
          >
            {stableJson(v.config)}
          </pre>
        )}
      </div>
    </section>
  );
}
