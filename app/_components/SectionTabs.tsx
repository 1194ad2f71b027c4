"use client";

import Link from "next/link";
import { cx } from "./classes";

export interface SectionTab {
  href: string;
  label: string;
  /** The section decides what counts as "on" this tab (sub-pages, aliases); the bar only shows it. */
  active: boolean;
}

/** The tab bar under a section's title (Logs, Registry, Tuning): links, the current one marked for screen readers. */
export function SectionTabs({ label, tabs }: { label: string; tabs: readonly SectionTab[] }) {
  return (
    <nav aria-label={label} className="mb-6 border-b border-slate-200">
      <ul className="-mb-px flex gap-1 overflow-x-auto">
        {tabs.map((t) => (
          <li key={t.label}>
            <Link
              href={t.href}
              aria-current={t.active ? "page" : undefined}
              className={cx(
                "block border-b-2 px-3 py-2 text-sm whitespace-nowrap transition-colors",
                t.active
                  ? "border-indigo-600 font-medium text-indigo-700"
                  : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900",
              )}
            >
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
