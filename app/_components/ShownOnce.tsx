"use client";

import { type ReactNode, useRef, useState } from "react";
import { Button } from "@/app/_components/ui";

/**
 * A secret right after creation (an API key, a worker token): the server keeps only its hash, so this
 * is the one chance to copy it. Where there is no clipboard (plain http, or denied) the text is
 * selected instead, for Ctrl+C.
 */
export function ShownOnce({
  secret,
  what,
  title,
  testId,
  secretTestId,
  onDone,
  children,
}: {
  secret: string;
  /** "key", "token": the clipboard note names it */
  what: string;
  title: ReactNode;
  testId: string;
  secretTestId?: string;
  onDone: () => void;
  /** below the secret: how to use it */
  children?: ReactNode;
}) {
  const codeRef = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<"yes" | "select" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      const el = codeRef.current;
      const sel = window.getSelection();
      if (el && sel) {
        const range = document.createRange();
        range.selectNodeContents(el);
        sel.removeAllRanges();
        sel.addRange(range);
      }
      setCopied("select");
    }
  };
  return (
    <div data-testid={testId} role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-medium text-amber-900">{title}</p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code
          ref={codeRef}
          data-testid={secretTestId}
          className="min-w-0 flex-1 rounded border border-amber-200 bg-white px-3 py-2 font-mono text-xs break-all text-slate-900"
        >
          {secret}
        </code>
        <Button size="sm" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      {copied === "select" && (
        <p className="mt-2 text-xs text-amber-800">The clipboard is not available here; the {what} is selected, press Ctrl+C.</p>
      )}
      {children}
    </div>
  );
}
