"use client";

import { useEffect } from "react";
import { Button } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";

/** Catches what a console page throws while rendering; the shell around it stays usable. */
export default function ConsoleError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = (error as { digest?: string } | null)?.digest;
  return (
    <div role="alert" className="mx-auto mt-12 max-w-md rounded-lg border border-red-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-lg font-semibold text-slate-900">This page failed to load</h1>
      <p className="mt-2 text-sm text-slate-600">{errorMessage(error)}</p>
      {digest && <p className="mt-1 font-mono text-xs text-slate-400">Reference {digest}</p>}
      <Button variant="primary" className="mt-6" onClick={() => retry()}>
        Try again
      </Button>
    </div>
  );
}
