import type { RouterOutputs } from "@/app/_lib/trpc";

export type ScoreSummary = RouterOutputs["logs"]["sessions"]["list"]["items"][number]["ratings"][number];

/**
 * A score summed up by its own kind (issue 19: never one mean over kinds): thumbs and booleans as the
 * share true, numeric scores as their mean, categorical scores as their most given label.
 */
export function scoreText(s: Pick<ScoreSummary, "dataType" | "value" | "count" | "categories">): string {
  if (s.dataType === "boolean") return s.value === null ? "—" : `${Math.round(s.value * 100)}% up`;
  if (s.dataType === "numeric") return s.value === null ? "—" : `mean ${s.value.toFixed(2)}`;
  if (s.dataType === "categorical") {
    const top = s.categories[0];
    return top ? `${top.label} ${Math.round((top.count / s.count) * 100)}%` : "—";
  }
  return `${s.count} comment${s.count === 1 ? "" : "s"}`;
}

/** One line per score name: "thumbs 67% up (3)". */
export function ScoreSummaries({ scores, empty = "—" }: { scores: ScoreSummary[]; empty?: string }) {
  if (!scores.length) return <span className="text-slate-400">{empty}</span>;
  return (
    <ul className="flex flex-col gap-0.5 text-xs">
      {scores.map((s) => (
        <li key={`${s.name}:${s.dataType}`} className="whitespace-nowrap">
          <span className="font-medium text-slate-700">{s.name}</span> <span className="text-slate-900 tabular-nums">{scoreText(s)}</span>{" "}
          <span className="text-slate-400">({s.count})</span>
        </li>
      ))}
    </ul>
  );
}

/** A single rating's value as given: thumbs up/down, a number, a label or text. */
export function ratingValue(r: { dataType: ScoreSummary["dataType"]; value: number | null; stringValue: string | null }): string {
  if (r.dataType === "boolean") return r.value === 1 ? "👍 up" : "👎 down";
  if (r.dataType === "numeric") return r.value === null ? "—" : String(r.value);
  return r.stringValue ?? (r.value === null ? "—" : String(r.value));
}
