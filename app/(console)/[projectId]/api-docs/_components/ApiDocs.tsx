"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Badge, Card, ErrorBox, Input, Loading } from "@/app/_components/ui";

/**
 * A small OpenAPI renderer of Keel's own: bundled with the console, so it works offline and under the
 * nonce-based CSP (no CDN script, no eval). It shows what the document says, nothing more.
 */
type Json = Record<string, unknown>;
interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }>; $ref?: string }>;
  "x-keel-auth"?: string[];
  "x-keel-role"?: string | null;
  "x-keel-procedure"?: string;
  "x-keel-errors"?: string;
}
interface Row {
  method: string;
  path: string;
  op: Operation;
}

const METHOD_TONE: Record<string, "green" | "blue" | "amber" | "red" | "gray"> = {
  get: "blue",
  post: "green",
  put: "amber",
  patch: "amber",
  delete: "red",
};

async function loadDocument(): Promise<Json> {
  const res = await fetch("/api/v1/openapi.json", { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET /api/v1/openapi.json answered ${res.status}`);
  return (await res.json()) as Json;
}

function Schema({ label, schema }: { label: string; schema: unknown }) {
  if (!schema || (typeof schema === "object" && !Object.keys(schema).length)) return null;
  return (
    <div className="mt-2">
      <div className="text-xs font-medium text-slate-500">{label}</div>
      <pre className="mt-1 max-h-80 overflow-auto rounded bg-slate-50 p-2 text-xs text-slate-800">{JSON.stringify(schema, null, 2)}</pre>
    </div>
  );
}

function OperationRow({ row }: { row: Row }) {
  const { op } = row;
  const ok = Object.entries(op.responses ?? {}).find(([status]) => status !== "default");
  return (
    <details className="border-b border-slate-100 py-2 last:border-0">
      <summary className="flex cursor-pointer flex-wrap items-center gap-2 text-sm">
        <Badge tone={METHOD_TONE[row.method] ?? "gray"}>{row.method.toUpperCase()}</Badge>
        <code className="font-mono break-all text-slate-900">{row.path}</code>
        <span className="text-slate-500">{op.summary}</span>
      </summary>
      <div className="mt-2 pl-2 text-xs text-slate-700">
        <div>
          Auth: {(op["x-keel-auth"] ?? []).join(", ") || "none"} · least role: {op["x-keel-role"] ?? "any"} · errors:{" "}
          {op["x-keel-errors"] ?? "keel"}
          {op["x-keel-procedure"] && (
            <>
              {" "}
              · tRPC <code className="font-mono">{op["x-keel-procedure"]}</code>
            </>
          )}
        </div>
        {op.parameters?.length ? (
          <ul className="mt-2 list-disc pl-5">
            {op.parameters.map((p) => (
              <li key={`${p.in}:${p.name}`}>
                <code className="font-mono">{p.name}</code> ({p.in}
                {p.required ? ", required" : ""})
              </li>
            ))}
          </ul>
        ) : null}
        {Object.entries(op.requestBody?.content ?? {}).map(([media, c]) => (
          <Schema key={media} label={`Request body (${media})`} schema={c.schema} />
        ))}
        {ok &&
          Object.entries(ok[1].content ?? {}).map(([media, c]) => (
            <Schema key={media} label={`Response ${ok[0]} (${media})`} schema={c.schema} />
          ))}
      </div>
    </details>
  );
}

export function ApiDocs() {
  const doc = useQuery({ queryKey: ["openapi"], queryFn: loadDocument, staleTime: Number.POSITIVE_INFINITY });
  const [filter, setFilter] = useState("");
  const groups = useMemo(() => {
    const paths = (doc.data?.paths ?? {}) as Record<string, Record<string, Operation>>;
    const out = new Map<string, Row[]>();
    const needle = filter.trim().toLowerCase();
    for (const [path, ops] of Object.entries(paths))
      for (const [method, op] of Object.entries(ops)) {
        if (needle && !`${method} ${path} ${op.summary ?? ""}`.toLowerCase().includes(needle)) continue;
        const tag = op.tags?.[0] ?? "other";
        out.set(tag, [...(out.get(tag) ?? []), { method, path, op }]);
      }
    return [...out.entries()];
  }, [doc.data, filter]);
  if (doc.isPending) return <Loading />;
  if (doc.isError) return <ErrorBox message={doc.error.message} onRetry={() => void doc.refetch()} />;
  return (
    <div className="space-y-4">
      <Input
        aria-label="Filter endpoints"
        placeholder="Filter: path, method or words"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {groups.map(([tag, rows]) => (
        <Card key={tag} title={tag}>
          {rows.map((row) => (
            <OperationRow key={`${row.method} ${row.path}`} row={row} />
          ))}
        </Card>
      ))}
    </div>
  );
}
