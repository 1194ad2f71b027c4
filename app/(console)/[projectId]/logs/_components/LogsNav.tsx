"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "../../../../_components/classes";
import { useProject } from "../../../../_lib/project";

/** The Logs section's pages; `filters` pages share the explorer's URL filter (see filters.ts). */
const TABS = [
  { path: "", label: "Traces", filters: true },
  { path: "/charts", label: "Charts", filters: true },
  { path: "/queues", label: "Queues", filters: false },
  { path: "/widget", label: "Widget", filters: false },
  { path: "/settings", label: "Settings", filters: false },
] as const;

/**
 * Tab bar of the Logs section. `query` (the explorer's query string, without "?") is carried
 * between Traces and Charts so a filtered view stays filtered when switching.
 */
export function LogsNav({ query = "" }: { query?: string }) {
  const project = useProject();
  const pathname = usePathname();
  const base = `/${project.slug}/logs`;
  // a trace page (/logs/traces/<id>) belongs to the Traces tab
  const isActive = (path: string) =>
    path
      ? pathname === `${base}${path}` || pathname.startsWith(`${base}${path}/`)
      : pathname === base || pathname.startsWith(`${base}/traces/`);

  return (
    <nav aria-label="Logs sections" className="mb-6 border-b border-slate-200">
      <ul className="-mb-px flex gap-1 overflow-x-auto">
        {TABS.map((t) => {
          const active = isActive(t.path);
          const href = `${base}${t.path}${t.filters && query ? `?${query}` : ""}`;
          return (
            <li key={t.label}>
              <Link
                href={href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "block border-b-2 px-3 py-2 text-sm whitespace-nowrap transition-colors",
                  active
                    ? "border-indigo-600 font-medium text-indigo-700"
                    : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900",
                )}
              >
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
