"use client";

import { Badge, Table, Td, Th, When } from "@/app/_components/ui";
import type { RouterOutputs } from "@/app/_lib/trpc";
import { Thumb } from "./Thumb";

export type Rating = RouterOutputs["logs"]["traces"]["get"]["ratings"][number];

/** A rating's value as people read it: thumbs, the category's label, the text, or the number. */
export function ratingValue(r: Rating): string {
  if (r.dataType === "boolean") return r.value === 1 ? "Thumbs up" : "Thumbs down";
  if (r.dataType === "categorical") return `${r.stringValue ?? ""}${r.value !== null ? ` (${r.value})` : ""}`;
  if (r.dataType === "text") return r.stringValue ?? "";
  return r.value === null ? "—" : String(r.value);
}

/** Who rated: the member's email, the app's end user, or the source (api, eval...). */
export function ratingAuthor(r: Rating): string {
  if (r.authorEmail) return r.authorEmail;
  if (r.endUserId) return `end user ${r.endUserId}`;
  return r.source;
}

export function RatingsList({ ratings }: { ratings: Rating[] }) {
  if (ratings.length === 0) return <p className="py-2 text-sm text-slate-500">No ratings yet. Be the first: use the rating form.</p>;
  return (
    <Table label="Ratings">
      <thead>
        <tr>
          <Th>Score</Th>
          <Th>Value</Th>
          <Th>Comment</Th>
          <Th>By</Th>
          <Th>When</Th>
        </tr>
      </thead>
      <tbody>
        {ratings.map((r) => (
          <tr key={r.id}>
            <Td>
              <span className="font-medium text-slate-900">{r.name}</span>
              {r.observationId && <div className="font-mono text-xs text-slate-500">on {r.observationId}</div>}
            </Td>
            <Td className="max-w-64 break-words">
              <span className="inline-flex items-center gap-1.5">
                {r.dataType === "boolean" && <Thumb down={r.value !== 1} className={r.value === 1 ? "text-emerald-600" : "text-red-600"} />}
                {ratingValue(r)}
              </span>
            </Td>
            <Td className="max-w-80 text-xs break-words whitespace-pre-wrap">{r.comment ?? <span className="text-slate-400">—</span>}</Td>
            <Td>
              <span className="flex flex-wrap items-center gap-1.5">
                <span className="break-all">{ratingAuthor(r)}</span>
                {(r.authorEmail || r.endUserId) && <Badge>{r.source}</Badge>}
              </span>
            </Td>
            <Td>
              <When at={r.createdAt} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
