"use client";

import { usePathname } from "next/navigation";
import { SectionTabs } from "@/app/_components/SectionTabs";
import { useProject } from "@/app/_lib/project";

/** The Logs section's pages; `filters` pages share the explorer's URL filter (see filters.ts). */
const TABS = [
  { path: "", label: "Traces", filters: true },
  { path: "/charts", label: "Charts", filters: true },
  { path: "/sessions", label: "Sessions", filters: false },
  { path: "/users", label: "Users", filters: false },
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

  const tabs = TABS.map((t) => ({
    href: `${base}${t.path}${t.filters && query ? `?${query}` : ""}`,
    label: t.label,
    active: isActive(t.path),
  }));
  return <SectionTabs label="Logs sections" tabs={tabs} />;
}
