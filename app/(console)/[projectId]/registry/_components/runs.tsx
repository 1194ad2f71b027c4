"use client";

import { Badge, type Tone } from "@/app/_components/ui";

const RUN_TONES: Record<string, Tone> = { RUNNING: "blue", SCHEDULED: "gray", FINISHED: "green", FAILED: "red", KILLED: "amber" };

export function RunStatusBadge({ status }: { status: string }) {
  return <Badge tone={RUN_TONES[status] ?? "gray"}>{status.toLowerCase()}</Badge>;
}

/** "1h 02m", "3m 20s", "12s"; a run without an end time is still going ("—"). Times are epoch ms. */
export function duration(start: number, end: number | null): string {
  if (end === null || end < start) return "—";
  const s = Math.round((end - start) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}
