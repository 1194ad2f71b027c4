"use client";

import { useRef, useState } from "react";
import { Button } from "@/app/_components/ui";

/** The plain key right after creation: the server keeps only its hash, so this is the one chance to copy it. */
export function NewKey({ plainKey, name, onDone }: { plainKey: string; name: string; onDone: () => void }) {
  const codeRef = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<"yes" | "select" | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(plainKey);
      setCopied("yes");
    } catch {
      // No clipboard (plain http, or denied): select the text so Ctrl+C works.
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
    <div data-testid="new-key" role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-medium text-amber-900">
        Key “{name}” created. This key is shown once: copy it now and store it somewhere safe.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code
          ref={codeRef}
          className="min-w-0 flex-1 rounded border border-amber-200 bg-white px-3 py-2 font-mono text-xs break-all text-slate-900"
        >
          {plainKey}
        </code>
        <Button size="sm" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      {copied === "select" && (
        <p className="mt-2 text-xs text-amber-800">The clipboard is not available here; the key is selected, press Ctrl+C.</p>
      )}
    </div>
  );
}
