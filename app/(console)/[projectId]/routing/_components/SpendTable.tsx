"use client";

import type { ReactNode } from "react";
import { Card, Table, Td, Th } from "@/app/_components/ui";
import { formatCost } from "@/app/_lib/format";
import { formatInt } from "../../logs/_components/format";

export interface SpendRow {
  key: string;
  label: ReactNode;
  requests: number;
  tokens: number;
  /** USD */
  cost: number;
}

/** A number and a bar as long as its share of the column's largest value. */
function BarCell({ value, max, text, color }: { value: number; max: number; text: string; color: string }) {
  const width = max > 0 ? Math.max(value > 0 ? 2 : 0, (value / max) * 100) : 0;
  return (
    <Td className="min-w-32 tabular-nums">
      <div className="flex flex-col gap-1">
        <span>{text}</span>
        <div aria-hidden="true" className="h-1.5 w-full rounded-full bg-slate-100">
          <div className="h-full rounded-full" style={{ width: `${width}%`, background: color }} />
        </div>
      </div>
    </Td>
  );
}

/** One grouping of the team's gateway spend (per key, user or deployment) as a table with bars. */
export function SpendTable({
  title,
  description,
  column,
  rows,
  empty,
}: {
  title: string;
  description: string;
  column: string;
  rows: SpendRow[];
  empty: string;
}) {
  const max = (f: (r: SpendRow) => number) => rows.reduce((m, r) => Math.max(m, f(r)), 0);
  const maxCost = max((r) => r.cost);
  const maxRequests = max((r) => r.requests);
  const maxTokens = max((r) => r.tokens);
  return (
    <Card title={title} description={description}>
      {rows.length === 0 ? (
        <p className="py-2 text-sm text-slate-500">{empty}</p>
      ) : (
        <Table label={title}>
          <thead>
            <tr>
              <Th>{column}</Th>
              <Th>Spend (USD)</Th>
              <Th>Requests</Th>
              <Th>Tokens</Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <Td className="max-w-64 font-medium break-all text-slate-900">{r.label}</Td>
                <BarCell value={r.cost} max={maxCost} text={formatCost(r.cost)} color="#4f46e5" />
                <BarCell value={r.requests} max={maxRequests} text={formatInt(r.requests)} color="#059669" />
                <BarCell value={r.tokens} max={maxTokens} text={formatInt(r.tokens)} color="#d97706" />
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
