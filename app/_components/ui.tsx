"use client";

import Link from "next/link";
import {
  type ButtonHTMLAttributes,
  createContext,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TdHTMLAttributes,
  type TextareaHTMLAttributes,
  type ThHTMLAttributes,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import { formatDateTime, formatRelative } from "@/app/_lib/format";
import { buttonClass, cx, linkClass, type Variant } from "./classes";

/* Buttons */

export function Button({
  variant = "secondary",
  size = "md",
  loading = false,
  className,
  children,
  disabled,
  type = "button",
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; size?: "sm" | "md"; loading?: boolean }) {
  return (
    <button
      type={type}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      className={cx(buttonClass(variant, size), className)}
      {...rest}
    >
      {loading && <Spinner className="size-3.5" label="" />}
      {children}
    </button>
  );
}

/* Form fields: <Field> labels its control and wires hint and error to it through context. */

interface FieldCtx {
  id: string;
  describedBy?: string;
  invalid: boolean;
}
const FieldContext = createContext<FieldCtx | null>(null);

export function Field({
  label,
  hint,
  error,
  className,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children: ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    // min-w-0: in a grid or flex row a field shrinks to its cell, its select's longest option no wider than the page
    <div className={cx("flex min-w-0 flex-col gap-1.5", className)}>
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <FieldContext.Provider value={{ id, describedBy, invalid: !!error }}>{children}</FieldContext.Provider>
      {error && (
        <p id={errorId} className="text-xs text-red-600">
          {error}
        </p>
      )}
      {hint && !error && (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

const control = (invalid: boolean) =>
  cx(
    "h-9 rounded-md border bg-white px-3 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500/40 disabled:bg-slate-50 disabled:text-slate-500",
    invalid ? "border-red-400 focus-visible:border-red-500" : "border-slate-300 focus-visible:border-indigo-500",
  );

export function Input({ className, ...rest }: InputHTMLAttributes<HTMLInputElement>) {
  const f = useContext(FieldContext);
  return (
    <input
      id={f?.id}
      aria-describedby={f?.describedBy}
      aria-invalid={f?.invalid || undefined}
      className={cx(control(!!f?.invalid), "w-full", className)}
      {...rest}
    />
  );
}

export function Textarea({ className, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const f = useContext(FieldContext);
  return (
    <textarea
      id={f?.id}
      aria-describedby={f?.describedBy}
      aria-invalid={f?.invalid || undefined}
      className={cx(control(!!f?.invalid), "h-auto w-full py-2", className)}
      {...rest}
    />
  );
}

export function Select({ className, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  const f = useContext(FieldContext);
  return (
    <select
      id={f?.id}
      aria-describedby={f?.describedBy}
      aria-invalid={f?.invalid || undefined}
      className={cx(control(!!f?.invalid), "max-w-full min-w-0 pr-8", className)}
      {...rest}
    >
      {children}
    </select>
  );
}

/* Status */

export type Tone = "gray" | "green" | "red" | "amber" | "blue" | "indigo";
const TONES: Record<Tone, string> = {
  gray: "bg-slate-100 text-slate-700 ring-slate-500/20",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  red: "bg-red-50 text-red-700 ring-red-600/20",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/20",
  blue: "bg-sky-50 text-sky-700 ring-sky-600/20",
  indigo: "bg-indigo-50 text-indigo-700 ring-indigo-600/20",
};

export function Badge({ tone = "gray", children }: { tone?: Tone; children: ReactNode }) {
  return (
    <span
      className={cx("inline-flex items-center rounded-md px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset", TONES[tone])}
    >
      {children}
    </span>
  );
}

export function Spinner({ className, label = "Loading" }: { className?: string; label?: string }) {
  return (
    <svg
      className={cx("animate-spin text-current", className ?? "size-4")}
      viewBox="0 0 24 24"
      fill="none"
      role={label ? "img" : undefined}
      aria-label={label || undefined}
      aria-hidden={label ? undefined : true}
    >
      <circle cx="12" cy="12" r="10" stroke="currentColor" strokeOpacity="0.25" strokeWidth="4" />
      <path d="M22 12a10 10 0 0 0-10-10" stroke="currentColor" strokeWidth="4" strokeLinecap="round" />
    </svg>
  );
}

/** A "Loading…" line for whole sections; announced politely to screen readers. */
export function Loading({ children = "Loading…" }: { children?: ReactNode }) {
  return (
    <div role="status" className="flex items-center gap-2 py-6 text-sm text-slate-500">
      <Spinner label="" />
      {children}
    </div>
  );
}

/** Grey placeholder bars while a table loads. */
export function Skeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div role="status" aria-label="Loading" className="flex flex-col gap-2 py-2">
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders, never reordered
        <div key={i} className="h-8 animate-pulse rounded bg-slate-100" />
      ))}
    </div>
  );
}

export function ErrorBox({ title = "Something went wrong", message, onRetry }: { title?: string; message: string; onRetry?: () => void }) {
  return (
    <div role="alert" className="flex items-start justify-between gap-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm">
      <div>
        <p className="font-medium text-red-800">{title}</p>
        <p className="mt-0.5 text-red-700">{message}</p>
      </div>
      {onRetry && (
        <Button size="sm" variant="danger" onClick={onRetry}>
          Retry
        </Button>
      )}
    </div>
  );
}

/** A short failure line inside a form or panel (ErrorBox is for a whole section that failed to load). */
export function Alert({ children }: { children: ReactNode }) {
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
      {children}
    </div>
  );
}

/** A short success line after an action ("Saved router small."); announced politely. */
export function Done({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
      {children}
    </p>
  );
}

/** A moment as "3 minutes ago", the full date and time on hover; "—" when there is none. */
export function When({ at }: { at: Date | null | undefined }) {
  if (!at) return <span className="text-slate-400">—</span>;
  return (
    <time dateTime={at.toISOString()} title={formatDateTime(at)} className="whitespace-nowrap">
      {formatRelative(at)}
    </time>
  );
}

/** The button under a keyset-paginated list (an infinite query): fetches the next page; gone after the last. */
export function LoadMore({
  query,
  size = "md",
  className,
  children = "Load more",
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  size?: "sm" | "md";
  className?: string;
  children?: ReactNode;
}) {
  if (!query.hasNextPage) return null;
  return (
    <div className={className}>
      <Button size={size} loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
        {children}
      </Button>
    </div>
  );
}

/* Layout */

/** "← Models": the way back up from a detail page. */
export function BackLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Link href={href} className={cx("text-sm", linkClass)}>
      ← {children}
    </Link>
  );
}

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      {/* min-w-0 and wrap-anywhere: a long name or id wraps on a phone instead of widening the page */}
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight wrap-anywhere text-slate-900">{title}</h1>
        {description && <p className="mt-1 text-sm wrap-break-word text-slate-500">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

export function Card({
  title,
  description,
  actions,
  children,
  className,
}: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <section
      aria-labelledby={title ? id : undefined}
      className={cx("min-w-0 rounded-lg border border-slate-200 bg-white shadow-sm", className)}
    >
      {(title || actions) && (
        <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 px-5 py-4">
          <div className="min-w-0">
            {title && (
              <h2 id={id} className="text-sm font-semibold wrap-anywhere text-slate-900">
                {title}
              </h2>
            )}
            {description && <p className="mt-0.5 text-sm text-slate-500">{description}</p>}
          </div>
          {actions}
        </header>
      )}
      <div className="px-5 py-4">{children}</div>
    </section>
  );
}

/* Tables */

/**
 * A box whose content scrolls sideways inside it, never the page (a phone's 390 px); while it scrolls it
 * is a labelled tab stop, so the keyboard can scroll it too (arrow keys, WCAG 2.1.1). `relative`: content
 * placed absolutely inside (sr-only labels) scrolls with it instead of widening the page.
 */
export function ScrollX({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const check = () => setScrolls(el.scrollWidth > el.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, []);
  const region = scrolls ? { role: "region", tabIndex: 0, "aria-label": `${label}, scrolls sideways` } : {};
  return (
    <div ref={box} className={cx("relative overflow-x-auto", className)} {...region}>
      {children}
    </div>
  );
}

/** A table that scrolls inside its card (see ScrollX). */
export function Table({ children, label }: { children: ReactNode; label?: string }) {
  return (
    <ScrollX label={label ?? "Table"} className="-mx-5">
      <table aria-label={label} className="w-full border-collapse text-left text-sm [&>tbody>tr:last-child>td]:border-b-0">
        {children}
      </table>
    </ScrollX>
  );
}

export function Th({ className, ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      className={cx(
        "border-b border-slate-200 bg-slate-50 px-5 py-2 text-xs font-medium tracking-wide text-slate-500 uppercase first:pl-5",
        className,
      )}
      {...rest}
    />
  );
}

export function Td({ className, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cx("border-b border-slate-100 px-5 py-2.5 align-middle text-slate-700", className)} {...rest} />;
}
