"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import { Badge, ErrorBox, Skeleton, Table, Td, Th, type Tone } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime, formatRelative } from "@/app/_lib/format";
import type { RouterOutputs } from "@/app/_lib/trpc";

type TraceDetail = RouterOutputs["logs"]["traces"]["get"];
type Rating = TraceDetail["ratings"][number];

const SOURCE_TONE: Record<string, Tone> = { widget: "blue", ui: "indigo", api: "gray" };

/** Storage form back to what was rated: booleans are stored as 1/0, labels and text in stringValue. */
function displayValue(r: Rating): string {
  if (r.dataType === "boolean") return r.value === 1 ? "true (good)" : "false (bad)";
  if (r.stringValue !== null) return r.stringValue;
  return r.value === null ? "—" : String(r.value);
}

/** The trace's ratings, newest first, so the widget's rating can be seen arriving. */
export function TraceRatings({ query }: { query: UseQueryResult<TraceDetail, unknown> }) {
  if (query.isPending) return <Skeleton rows={2} />;
  if (query.isError)
    return <ErrorBox title="Could not load the trace's ratings" message={errorMessage(query.error)} onRetry={() => void query.refetch()} />;
  const ratings = query.data.ratings;
  if (ratings.length === 0) return <p className="py-2 text-sm text-slate-500">No ratings on this trace yet. Click a thumb above.</p>;
  return (
    <Table label="Ratings of this trace">
      <thead>
        <tr>
          <Th>Name</Th>
          <Th>Value</Th>
          <Th>Source</Th>
          <Th>Comment</Th>
          <Th>End user</Th>
          <Th>Time</Th>
        </tr>
      </thead>
      <tbody>
        {ratings.map((r) => (
          <tr key={r.id} data-testid="rating-row">
            <Td className="font-medium text-slate-900">{r.name}</Td>
            <Td>{displayValue(r)}</Td>
            <Td>
              <Badge tone={SOURCE_TONE[r.source] ?? "gray"}>{r.source}</Badge>
            </Td>
            <Td className="max-w-64 truncate" title={r.comment ?? undefined}>
              {r.comment ?? <span className="text-slate-400">—</span>}
            </Td>
            <Td>{r.endUserId ?? r.authorEmail ?? <span className="text-slate-400">—</span>}</Td>
            <Td title={formatDateTime(r.createdAt)}>{formatRelative(r.createdAt)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
