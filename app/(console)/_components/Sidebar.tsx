"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "@/app/_components/classes";

/** Every domain of a project, in the order the console lists them. "" is the overview. */
export const SECTIONS = [
  { slug: "", label: "Overview" },
  { slug: "registry", label: "Registry" },
  { slug: "logs", label: "Logs" },
  { slug: "datasets", label: "Datasets" },
  { slug: "evals", label: "Evals" },
  { slug: "tuning", label: "Tuning" },
  { slug: "routing", label: "Routing" },
  { slug: "drift", label: "Drift" },
  { slug: "jobs", label: "Jobs" },
  { slug: "settings", label: "Settings" },
  { slug: "api-docs", label: "API" },
] as const;

export function Sidebar({ projectSlug }: { projectSlug: string }) {
  const pathname = usePathname();
  const base = `/${projectSlug}`;
  return (
    <nav
      aria-label="Sections"
      className="border-b border-slate-200 bg-white md:w-52 md:shrink-0 md:border-r md:border-b-0 md:bg-transparent md:px-3 md:py-5"
    >
      <ul className="flex gap-1 overflow-x-auto px-3 py-2 md:flex-col md:overflow-visible md:p-0">
        {SECTIONS.map((s) => {
          const href = s.slug ? `${base}/${s.slug}` : base;
          const active = s.slug ? pathname === href || pathname.startsWith(`${href}/`) : pathname === base;
          return (
            <li key={s.slug || "overview"}>
              <Link
                href={href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "block rounded-md px-3 py-1.5 text-sm whitespace-nowrap transition-colors",
                  active
                    ? "bg-white font-medium text-slate-900 shadow-sm ring-1 ring-slate-200"
                    : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
                )}
              >
                {s.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
