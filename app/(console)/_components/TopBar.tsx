"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Logo } from "@/app/_components/Logo";
import { Button, Select } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

const NEW_PROJECT = "__new__";

/** Project switcher on the left; the account menu (who, account, instance admin, sign out) on the right. */
export function TopBar({ projectSlug, email }: { projectSlug: string; email?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const projects = useQuery(trpc.workspace.projects.list.queryOptions({ limit: 200 }));
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  const signOut = useMutation(
    trpc.workspace.auth.signOut.mutationOptions({
      // The sign-in page empties the query cache once this console has unmounted.
      onSuccess: () => router.push("/sign-in"),
    }),
  );

  const items = projects.data?.items ?? [];
  const known = items.some((p) => p.slug === projectSlug);

  return (
    <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="flex h-14 items-center gap-2 px-4 sm:gap-3">
        <Link href={`/${projectSlug}`} className="rounded-md" aria-label="Keel home">
          <Logo withName={false} />
        </Link>
        <span aria-hidden="true" className="text-slate-300">
          /
        </span>
        <Select
          aria-label="Project"
          className="h-8! max-w-56 min-w-0 border-transparent! bg-transparent! font-medium shadow-none! hover:bg-slate-100!"
          value={known ? projectSlug : ""}
          disabled={projects.isPending}
          onChange={(e) => {
            const v = e.target.value;
            if (v === NEW_PROJECT) router.push("/projects/new");
            else if (v && v !== projectSlug) router.push(`/${v}`);
          }}
        >
          {!known && (
            <option value="">{projects.isPending ? "Loading…" : projects.isError ? "Projects unavailable" : "Choose a project"}</option>
          )}
          {items.map((p) => (
            <option key={p.id} value={p.slug}>
              {p.name}
            </option>
          ))}
          <option value={NEW_PROJECT}>New project…</option>
        </Select>
        <div className="ml-auto flex shrink-0 items-center gap-2 sm:gap-3">
          {signOut.error && (
            <span role="alert" className="text-xs text-red-600">
              {errorMessage(signOut.error)}
            </span>
          )}
          <details className="relative">
            <summary
              className="flex cursor-pointer list-none items-center gap-1 rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100"
              title={email ? `Signed in as ${email} (account menu)` : "Account menu"}
            >
              {/* a phone has no room for the address: its title says who */}
              <span className="hidden max-w-48 truncate sm:inline">{email ?? "Account"}</span>
              <span className="sm:hidden">Account</span>
              <span aria-hidden="true">▾</span>
            </summary>
            <nav
              aria-label="Account"
              className="absolute right-0 mt-1 flex w-56 flex-col rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
            >
              <Link href="/account" className="px-3 py-2 text-slate-700 hover:bg-slate-50">
                Change password
              </Link>
              <Link href="/account" className="px-3 py-2 text-slate-700 hover:bg-slate-50">
                Sign out everywhere…
              </Link>
              {me.data?.isAdmin && (
                <Link href="/admin" className="px-3 py-2 text-slate-700 hover:bg-slate-50">
                  Instance admin
                </Link>
              )}
            </nav>
          </details>
          <Button size="sm" onClick={() => signOut.mutate()} loading={signOut.isPending}>
            Sign out
          </Button>
        </div>
      </div>
    </header>
  );
}
