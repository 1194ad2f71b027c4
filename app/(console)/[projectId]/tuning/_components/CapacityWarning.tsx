"use client";

import { useQuery } from "@tanstack/react-query";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import type { TuningMethod } from "@/server/tuning";

type Worker = RouterOutputs["tuning"]["workers"][number];
interface Wanted {
  method: TuningMethod;
  kind: "cpu" | "gpu";
  /** a GPU job's minimum GPU memory, MB */
  minGpuMemoryMb?: number;
}

const METHOD_NAMES: Record<TuningMethod, string> = { head: "a head", lora: "LoRA", full: "full fine-tuning" };

/** "CPU, head only", "NVIDIA A10 · 24 GiB, head/lora/full": what one worker offers, in a few words. */
function offer(w: Worker): string {
  const c = w.capabilities;
  const hw = c.gpus.length ? c.gpus.map((g) => `${g.name} · ${Math.round(g.memoryMb / 1024)} GiB`).join(" + ") : "CPU";
  const trainers = c.trainers.length === 0 ? "no trainer" : c.trainers.length === 1 ? `${c.trainers[0]} only` : c.trainers.join("/");
  return `${hw}, ${trainers}`;
}

/**
 * Why no online worker can run a job like this one, in the claim query's terms (server/tuning/claim.ts:
 * a worker takes a job whose method is one of its trainers and, for a GPU job, that has a GPU with
 * the memory asked), or null when one can. Online workers are counted by what they offer.
 */
export function capacityWarning(workers: readonly Worker[], want: Wanted): string | null {
  const online = workers.filter((w) => w.status === "online");
  const need = want.minGpuMemoryMb ?? 0;
  const fits = (w: Worker) =>
    w.capabilities.trainers.includes(want.method) && (want.kind === "cpu" || w.capabilities.gpus.some((g) => g.memoryMb >= need));
  if (online.some(fits)) return null;
  const what = `${METHOD_NAMES[want.method]}${want.kind === "gpu" ? ` on a GPU${need ? ` with ${need} MB` : ""}` : ""}`;
  const offers = new Map<string, number>();
  for (const w of online) offers.set(offer(w), (offers.get(offer(w)) ?? 0) + 1);
  const seen =
    online.length === 0
      ? "no worker is online (start one with keel worker)"
      : `${online.length} worker${online.length === 1 ? "" : "s"} online (${[...offers].map(([o, n]) => (n > 1 ? `${n} × ${o}` : o)).join("; ")})`;
  return `No online worker can run ${what}: ${seen}. The job will wait in the queue until one joins.`;
}

/** A warning above Launch when no online worker can run the chosen method and device; it never blocks the launch. */
export function CapacityWarning(want: Wanted) {
  const trpc = useTRPC();
  const project = useProject();
  const workers = useQuery(trpc.tuning.workers.queryOptions({ projectId: project.slug }, { refetchInterval: 10_000 }));
  if (!workers.data) return null;
  const warning = capacityWarning(workers.data, want);
  if (!warning) return null;
  return (
    <p
      role="status"
      aria-label="Worker capacity"
      className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
    >
      {warning}
    </p>
  );
}
