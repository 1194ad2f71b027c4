"use client";

import { cx } from "@/app/_components/classes";
import { LongText } from "./chat/LongText";

/** A logged value as text: strings as they are, anything else as indented JSON; long ones fold. */
export function JsonBlock({ value, label, className }: { value: unknown; label?: string; className?: string }) {
  const text = typeof value === "string" ? value : (JSON.stringify(value, null, 2) ?? String(value));
  return (
    <div className={cx("min-w-0", className)}>
      {label && <div className="mb-1 text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</div>}
      <LongText text={text} mono className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2" />
    </div>
  );
}
