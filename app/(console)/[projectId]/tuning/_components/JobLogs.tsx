"use client";

import { useEffect, useRef, useState } from "react";
import { cx } from "@/app/_components/classes";
import { errorMessage } from "@/app/_lib/errors";
import { type RouterOutputs, useTRPCClient } from "@/app/_lib/trpc";

export type LogLine = RouterOutputs["tuning"]["logs"][number];

const PAGE = 1000;
/** The browser keeps this many lines at most (the oldest go first). */
const KEEP = 5000;

/**
 * A job's log lines: fetched after the last id held, every second while the job can still write
 * them, then once more when it finishes (lines written just before the end).
 */
export function useJobLogs(projectId: string, job: number, live: boolean) {
  const client = useTRPCClient();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const after = useRef(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        for (;;) {
          const got = await client.tuning.logs.query({ projectId, job, afterId: after.current, limit: PAGE });
          if (stopped) return;
          const last = got[got.length - 1];
          if (last) {
            after.current = last.id;
            setLines((prev) => [...prev, ...got].slice(-KEEP));
          }
          if (got.length < PAGE) break;
        }
        setError(null);
      } catch (err) {
        if (!stopped) setError(errorMessage(err));
      }
      if (!stopped && live) timer = setTimeout(tick, 1000);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, projectId, job, live]);
  return { lines, error };
}

const STREAM = { worker: "text-sky-300", stdout: "text-slate-200", stderr: "text-amber-300" } as const;

/** Log lines in a dark scroll box that follows the end while the reader is at the bottom. */
export function LogView({ lines, label = "Job logs" }: { lines: LogLine[]; label?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const atEnd = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && atEnd.current && lines.length > 0) el.scrollTop = el.scrollHeight;
  }, [lines]);
  if (lines.length === 0) return <p className="text-sm text-slate-500">No log lines yet.</p>;
  return (
    <div
      ref={box}
      role="log"
      aria-label={label}
      onScroll={(e) => {
        const el = e.currentTarget;
        atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
      className="max-h-96 overflow-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-xs leading-5"
    >
      {lines.map((l) => (
        <div key={l.id} className={cx("break-all whitespace-pre-wrap", STREAM[l.stream])}>
          <span className="mr-2 text-slate-500 select-none">{l.at.toISOString().slice(11, 19)}</span>
          {l.attempt > 1 && <span className="mr-2 text-slate-500 select-none">[{l.attempt}]</span>}
          {l.line}
        </div>
      ))}
    </div>
  );
}
