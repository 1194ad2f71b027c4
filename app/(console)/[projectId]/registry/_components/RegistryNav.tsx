"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cx } from "../../../../_components/classes";
import { useProject } from "../../../../_lib/project";

/** The Registry section's pages: models (and their versions), approvals, experiments (and runs), webhooks. */
const TABS = [
  { path: "", label: "Models", also: ["/models"] },
  { path: "/approvals", label: "Approvals", also: [] },
  { path: "/experiments", label: "Experiments", also: ["/runs", "/compare"] },
  { path: "/webhooks", label: "Webhooks", also: [] },
] as const;

export function RegistryNav() {
  const project = useProject();
  const pathname = usePathname();
  const base = `/${project.slug}/registry`;
  const under = (p: string) => pathname === `${base}${p}` || pathname.startsWith(`${base}${p}/`);
  const isActive = (t: (typeof TABS)[number]) => (t.path ? under(t.path) : pathname === base) || t.also.some((a) => under(a));

  return (
    <nav aria-label="Registry sections" className="mb-6 border-b border-slate-200">
      <ul className="-mb-px flex gap-1 overflow-x-auto">
        {TABS.map((t) => {
          const active = isActive(t);
          return (
            <li key={t.label}>
              <Link
                href={`${base}${t.path}`}
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
