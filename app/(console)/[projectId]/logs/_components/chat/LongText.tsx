"use client";

import { useState } from "react";
import { cx } from "@/app/_components/classes";
import { clip } from "./clip";

/**
 * Logged text as a text node (never markup), folded after about 20 lines or 1,500 characters with
 * "Show more" / "Show less" so one long answer does not push the rest of the page away.
 */
export function LongText({ text, mono = false, className }: { text: string; mono?: boolean; className?: string }) {
  const [all, setAll] = useState(false);
  const short = clip(text);
  const Tag = mono ? "pre" : "p";
  return (
    <div className="min-w-0">
      <Tag
        data-clipped={short !== null && !all ? "" : undefined}
        className={cx(
          "break-words whitespace-pre-wrap",
          mono ? "font-mono text-xs leading-relaxed text-slate-800" : "text-sm text-slate-900",
          className,
        )}
      >
        {short !== null && !all ? `${short}…` : text}
      </Tag>
      {short !== null && (
        <button
          type="button"
          aria-expanded={all}
          onClick={() => setAll(!all)}
          className="mt-1 text-xs font-medium text-indigo-600 hover:text-indigo-500"
        >
          {all ? "Show less" : `Show more (${text.length.toLocaleString()} characters)`}
        </button>
      )}
    </div>
  );
}
