"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { Badge, Button, Card, ErrorBox, Skeleton, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useTRPC } from "@/app/_lib/trpc";
import { Conversation } from "../../_components/trace/Conversation";
import { KeyHelp, KeyHelpButton } from "../../_components/trace/KeyHelp";
import { keyHint } from "../../_components/trace/keys";
import { useRatingKeys } from "../../_components/trace/useRatingKeys";
import { type Drafts, type Rating, type ScoreConfig, toRatings } from "./review";
import { ScoreControl } from "./ScoreControl";

export interface QueueItem {
  itemId: string;
  traceId: string;
  lockedUntil: Date;
}

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** "Locked to you until 14:32", turning amber once the lock has run out. */
function LockNote({ until }: { until: Date }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(t);
  }, []);
  const expired = until.getTime() <= now;
  return (
    <span className={expired ? "text-xs text-amber-700" : "text-xs text-slate-400"} title={formatDateTime(until)}>
      {expired ? `Your lock expired at ${time.format(until)}; saving may fail` : `Locked to you until ${time.format(until)}`}
    </span>
  );
}

const Kbd = ({ children }: { children: ReactNode }) => (
  <kbd className="rounded border border-slate-300 bg-slate-50 px-1 font-mono text-[11px] text-slate-600">{children}</kbd>
);

/**
 * One locked item: the trace's conversation and a control per score config, driven by the same rating
 * keys as the trace page (trace/keys.ts): y/n, 1–9, Enter submits, s skips, ? shows them all.
 */
export function ReviewItem({
  projectId,
  item,
  configs,
  busy,
  alert,
  onSubmit,
  onSkip,
}: {
  projectId: string;
  item: QueueItem;
  configs: ScoreConfig[];
  busy: "submit" | "skip" | "next" | null;
  alert?: ReactNode;
  onSubmit: (ratings: Rating[]) => void;
  onSkip: () => void;
}) {
  const trpc = useTRPC();
  const trace = useQuery(trpc.logs.traces.get.queryOptions({ projectId, traceId: item.traceId }));
  const [drafts, setDrafts] = useState<Drafts>({});
  const [comment, setComment] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const commentId = useId();

  const set = (configId: string, v: Drafts[string]) => {
    setDrafts((prev) => ({ ...prev, [configId]: v }));
    setLocalError(null);
  };
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    const r = toRatings(configs, drafts, comment);
    if ("error" in r) return setLocalError(r.error);
    setLocalError(null);
    onSubmit(r.ratings);
  };

  const commentRef = useRef<HTMLTextAreaElement>(null);
  const { help, setHelp } = useRatingKeys({
    configs,
    onPick: set,
    onSubmit: () => submit(),
    onSkip: () => {
      if (!busy) onSkip();
    },
    onComment: () => commentRef.current?.focus(),
  });

  const t = trace.data?.trace;
  const firstGen = trace.data?.observations.find((o) => o.type === "generation");

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(18rem,2fr)]">
      <Card
        title={t ? (t.name ?? "Unnamed trace") : "Trace"}
        description={
          t ? (
            <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
              {(t.model ?? firstGen?.model) && <Badge tone="indigo">{t.model ?? firstGen?.model}</Badge>}
              <When at={t.timestamp} />
            </span>
          ) : undefined
        }
        actions={
          <Link
            href={`/${projectId}/logs/traces/${encodeURIComponent(item.traceId)}`}
            target="_blank"
            className="text-xs font-medium text-indigo-600 hover:text-indigo-500"
          >
            Open trace ↗
          </Link>
        }
      >
        {trace.isPending ? (
          <Skeleton rows={4} />
        ) : trace.isError ? (
          <ErrorBox title="Could not load the trace" message={errorMessage(trace.error)} onRetry={() => void trace.refetch()} />
        ) : (
          <Conversation input={t?.input ?? firstGen?.input ?? null} output={t?.output ?? firstGen?.output ?? null} />
        )}
      </Card>

      <Card title="Your rating" actions={<LockNote until={item.lockedUntil} />} className="self-start lg:sticky lg:top-4">
        <form onSubmit={submit} noValidate aria-label="Rate this item" className="flex flex-col gap-5">
          {configs.map((c) => (
            <ScoreControl key={c.id} config={c} value={drafts[c.id]} onChange={(v) => set(c.id, v)} shortcut={keyHint(configs, c)} />
          ))}
          <div className="flex flex-col gap-1.5">
            <label htmlFor={commentId} className="text-sm font-medium text-slate-700">
              Comment <span className="font-normal text-slate-400">(optional)</span>
            </label>
            <textarea
              id={commentId}
              ref={commentRef}
              rows={2}
              maxLength={5000}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:outline-none focus-visible:border-indigo-500 focus-visible:ring-2 focus-visible:ring-indigo-500/40"
            />
          </div>
          {localError && (
            <p role="alert" className="text-sm text-red-700">
              {localError}
            </p>
          )}
          {alert}
          <div className="flex flex-wrap items-center gap-2">
            <Button type="submit" variant="primary" loading={busy === "submit"} disabled={!!busy}>
              Submit &amp; next
            </Button>
            <Button onClick={onSkip} loading={busy === "skip"} disabled={!!busy}>
              Skip
            </Button>
          </div>
          <p className="text-xs text-slate-500">
            <Kbd>Enter</Kbd> submit · <Kbd>s</Kbd> skip · <KeyHelpButton onClick={() => setHelp(!help)} />
          </p>
          <KeyHelp open={help} onClose={() => setHelp(false)} skip />
        </form>
      </Card>
    </div>
  );
}
