"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { Logo } from "../_components/Logo";
import { ErrorBox, Loading, PageHeader } from "../_components/ui";
import { errorCode, errorMessage } from "../_lib/errors";
import { useTRPC } from "../_lib/trpc";
import { InstanceSettings } from "./_components/InstanceSettings";
import { Users } from "./_components/Users";
import { Workers } from "./_components/Workers";
import { WorkerTokens } from "./_components/WorkerTokens";

/** Instance admins: who may create projects, where outbound calls may go, the users of the instance and its workers. */
export default function AdminPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  useEffect(() => {
    if (errorCode(me.error) === "UNAUTHORIZED") router.replace("/sign-in?next=/admin");
  }, [me.error, router]);

  let body: ReactNode;
  if (me.isPending) body = <Loading />;
  else if (me.isError) body = errorCode(me.error) === "UNAUTHORIZED" ? <Loading /> : <ErrorBox message={errorMessage(me.error)} />;
  else if (!me.data.isAdmin)
    body = (
      <ErrorBox title="Instance admins only" message="This page needs an instance admin. Ask one, or run: keel users set-admin EMAIL" />
    );
  else
    body = (
      <div className="flex flex-col gap-6">
        <InstanceSettings />
        <Users myId={me.data.user?.id ?? ""} />
        <Workers />
        <WorkerTokens />
      </div>
    );

  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex h-14 max-w-5xl items-center gap-3 px-4">
          <Link href="/" className="rounded-md" aria-label="Keel home">
            <Logo withName={false} />
          </Link>
          <span className="font-medium text-slate-900">Instance admin</span>
          <Link href="/account" className="ml-auto text-sm text-slate-600 hover:text-slate-900">
            Your account
          </Link>
        </div>
      </header>
      <main className="mx-auto max-w-5xl px-4 py-8">
        <PageHeader title="Instance" description="Settings that hold for every project of this Keel, its users and its workers." />
        {body}
      </main>
    </div>
  );
}
