"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { Logo } from "@/app/_components/Logo";
import { ErrorBox, Loading } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

/** The front door: signed out goes to sign-in, signed in goes to the first project (or to creating one). */
export default function Home() {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  const signedIn = me.isSuccess;
  // The list is newest first; the oldest (usually the one a person started with) is the stable default.
  const projects = useQuery({ ...trpc.workspace.projects.list.queryOptions({ limit: 200 }), enabled: signedIn });

  useEffect(() => {
    if (errorCode(me.error) === "UNAUTHORIZED" || errorCode(projects.error) === "UNAUTHORIZED") router.replace("/sign-in");
  }, [me.error, projects.error, router]);

  useEffect(() => {
    if (!projects.data) return;
    const oldest = projects.data.items.at(-1);
    router.replace(oldest ? `/${oldest.slug}` : "/projects/new");
  }, [projects.data, router]);

  const error = [me.error, projects.error].find((e) => e && errorCode(e) !== "UNAUTHORIZED");

  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-6 px-4">
      <Logo />
      <div className="w-full max-w-md">
        {error ? (
          <ErrorBox
            title="Could not open Keel"
            message={errorMessage(error)}
            onRetry={() => {
              void me.refetch();
              if (signedIn) void projects.refetch();
            }}
          />
        ) : (
          <div className="flex justify-center">
            <Loading>Opening your workspace…</Loading>
          </div>
        )}
      </div>
    </main>
  );
}
