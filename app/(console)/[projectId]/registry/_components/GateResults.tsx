"use client";

import { Table, Td, Th } from "@/app/_components/ui";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { formatValue } from "./shared";

export type GateCheck = RouterOutputs["registry"]["approvals"]["list"]["items"][number]["gateResults"][number];

/** The gate checks of a 412 (PRECONDITION_FAILED) from aliases.move, when the server sent them. */
export function gatesOfError(err: unknown): GateCheck[] | null {
  const data = (err as { data?: { code?: string; details?: { gates?: unknown } | null } } | null)?.data;
  const gates = data?.details?.gates;
  return Array.isArray(gates) ? (gates as GateCheck[]) : null;
}

export const isGateFailure = (err: unknown) =>
  (err as { data?: { code?: string } } | null)?.data?.code === "PRECONDITION_FAILED" && gatesOfError(err) !== null;

/** Each gate with each rule: actual against threshold, passed or not. */
export function GateResults({ checks, label = "Gate results" }: { checks: readonly GateCheck[]; label?: string }) {
  if (checks.length === 0) return <p className="text-sm text-slate-500">No gates apply.</p>;
  return (
    <div className="flex flex-col gap-3">
      {checks.map((c) => (
        <section key={c.gateId} aria-label={`Gate ${c.gate}`} className="flex flex-col gap-1">
          <p className="flex items-center gap-2 text-sm font-medium">
            <span aria-hidden="true" className={c.passed ? "text-emerald-700" : "text-red-700"}>
              {c.passed ? "✓" : "✗"}
            </span>
            <span>Gate {c.gate}</span>
            <span className={c.passed ? "text-emerald-700" : "text-red-700"}>{c.passed ? "passed" : "failed"}</span>
          </p>
          {c.error && <p className="text-sm text-red-700">{c.error}</p>}
          {c.results.length > 0 && (
            <Table label={`${label}: ${c.gate}`}>
              <thead>
                <tr>
                  <Th>Rule</Th>
                  <Th className="text-right">Actual</Th>
                  <Th className="text-right">Threshold</Th>
                  <Th>Result</Th>
                </tr>
              </thead>
              <tbody>
                {c.results.map((r) => (
                  <tr key={r.rule}>
                    <Td>
                      <code className="font-mono text-xs">{r.rule}</code>
                    </Td>
                    <Td className="text-right tabular-nums">{formatValue(r.actual)}</Td>
                    <Td className="text-right tabular-nums">{formatValue(r.threshold)}</Td>
                    <Td className={r.passed ? "text-emerald-700" : "font-medium text-red-700"}>{r.passed ? "passed" : "failed"}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </section>
      ))}
    </div>
  );
}
