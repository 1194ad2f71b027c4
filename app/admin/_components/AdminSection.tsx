"use client";

import type { ReactNode } from "react";
import { ErrorBox, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";

/** The frame of a "new …" form inside an admin section. */
export const FORM_BOX = "flex flex-col gap-3 rounded-md border border-slate-200 p-3";

/** A part of an admin card, named by its heading (tests and screen readers find it as a region). */
export function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="flex flex-col gap-3">
      <h3 id={id} className="text-sm font-semibold text-slate-900">
        {title}
      </h3>
      {children}
    </section>
  );
}

/** What a list query shows: placeholders while it loads, its error with a retry, a line when empty, else its rows. */
export function Listed<T>({
  query,
  items,
  what,
  empty,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  items: T[];
  what: string;
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  if (query.isPending) return <Skeleton rows={2} />;
  if (query.isError)
    return <ErrorBox title={`Could not load ${what}`} message={errorMessage(query.error)} onRetry={() => void query.refetch()} />;
  if (items.length === 0) return <p className="text-sm text-slate-600">{empty}</p>;
  return children(items);
}
