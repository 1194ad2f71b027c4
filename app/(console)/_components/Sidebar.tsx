"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
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
  { slug: "playground", label: "Playground" },
  { slug: "drift", label: "Drift" },
  { slug: "jobs", label: "Jobs" },
  { slug: "settings", label: "Settings" },
  { slug: "api-docs", label: "API" },
] as const;

/**
 * The sections: a column beside the page from md up; below it (phones) a menu button that opens the
 * whole list, so every section is one tap away instead of hidden in a sideways-scrolling strip.
 */
export function Sidebar({ projectSlug }: { projectSlug: string }) {
  const pathname = usePathname();
  const base = `/${projectSlug}`;
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const listId = useId();
  const sections = SECTIONS.map((s) => {
    const href = s.slug ? `${base}/${s.slug}` : base;
    return { ...s, href, active: s.slug ? pathname === href || pathname.startsWith(`${href}/`) : pathname === base };
  });
  const current = sections.find((s) => s.active);

  // opened: focus moves to the first section, so the keyboard goes on where the eye does
  useEffect(() => {
    if (open) list.current?.querySelector("a")?.focus();
  }, [open]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !open) return;
    setOpen(false);
    button.current?.focus();
  };

  return (
    <nav
      aria-label="Sections"
      onKeyDown={onKeyDown}
      className="border-b border-slate-200 bg-white md:w-52 md:shrink-0 md:border-r md:border-b-0 md:bg-transparent md:px-3 md:py-5"
    >
      <div className="flex items-center gap-3 px-4 py-2 md:hidden">
        <button
          ref={button}
          type="button"
          aria-expanded={open}
          aria-controls={listId}
          onClick={() => setOpen((o) => !o)}
          className="inline-flex h-9 items-center gap-2 rounded-md border border-slate-300 bg-white px-3 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
        >
          <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4" fill="currentColor">
            {open ? (
              <path d="M5.3 4.3a1 1 0 0 1 1.4 0L10 7.6l3.3-3.3a1 1 0 1 1 1.4 1.4L11.4 9l3.3 3.3a1 1 0 0 1-1.4 1.4L10 10.4l-3.3 3.3a1 1 0 0 1-1.4-1.4L8.6 9 5.3 5.7a1 1 0 0 1 0-1.4Z" />
            ) : (
              <path d="M3 5a1 1 0 0 1 1-1h12a1 1 0 1 1 0 2H4a1 1 0 0 1-1-1Zm0 5a1 1 0 0 1 1-1h12a1 1 0 1 1 0 2H4a1 1 0 0 1-1-1Zm1 4a1 1 0 1 0 0 2h12a1 1 0 1 0 0-2H4Z" />
            )}
          </svg>
          Menu
        </button>
        {current && <span className="truncate text-sm font-medium text-slate-900">{current.label}</span>}
      </div>
      <ul id={listId} ref={list} className={cx(open ? "flex" : "hidden", "flex-col gap-1 px-3 pb-3 md:flex md:p-0")}>
        {sections.map((s) => (
          <li key={s.slug || "overview"}>
            <Link
              href={s.href}
              aria-current={s.active ? "page" : undefined}
              onClick={() => setOpen(false)}
              className={cx(
                "block rounded-md px-3 py-1.5 text-sm whitespace-nowrap transition-colors",
                s.active
                  ? "bg-white font-medium text-slate-900 shadow-sm ring-1 ring-slate-200"
                  : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
              )}
            >
              {s.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
