"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, usePathname, useRouter } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { buttonClass } from "@/app/_components/classes";
import { ErrorBox, Skeleton } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { ProjectProvider } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { Sidebar } from "../_components/Sidebar";
import { TopBar } from "../_components/TopBar";

/** The console shell: top bar, domain navigation, and the project every page below works in. */
export default function ConsoleLayout({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const { projectId: slug } = useParams<{ projectId: string }>();
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  const project = useQuery(trpc.workspace.projects.get.queryOptions({ projectId: slug }));

  const unauthorized = errorCode(me.error) === "UNAUTHORIZED" || errorCode(project.error) === "UNAUTHORIZED";
  useEffect(() => {
    if (unauthorized) router.replace(`/sign-in?next=${encodeURIComponent(pathname)}`);
  }, [unauthorized, pathname, router]);

  let body: ReactNode;
  if (project.data) body = <ProjectProvider project={project.data}>{children}</ProjectProvider>;
  else if (project.isPending || unauthorized) body = <Skeleton rows={4} />;
  else if (errorCode(project.error) === "NOT_FOUND") body = <ProjectNotFound slug={slug} />;
  else body = <ErrorBox title="Could not load the project" message={errorMessage(project.error)} onRetry={() => void project.refetch()} />;

  return (
    <div className="flex min-h-screen flex-col">
      <TopBar projectSlug={slug} email={me.data?.user?.email} />
      <div className="flex flex-1 flex-col md:flex-row">
        <Sidebar projectSlug={slug} />
        <main className="min-w-0 flex-1 px-4 py-6 md:px-8 md:py-8">
          <div className="mx-auto max-w-6xl">{body}</div>
        </main>
      </div>
    </div>
  );
}

function ProjectNotFound({ slug }: { slug: string }) {
  return (
    <div className="mx-auto mt-12 max-w-md rounded-lg border border-slate-200 bg-white p-8 text-center shadow-sm">
      <p className="text-sm font-medium text-slate-500">404</p>
      <h1 className="mt-1 text-lg font-semibold text-slate-900">Project not found</h1>
      <p className="mt-2 text-sm text-slate-500">
        There is no project <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">{slug}</code>, or you are not a member of
        it. Ask an owner to add you, or pick another project above.
      </p>
      <div className="mt-6 flex justify-center gap-2">
        <Link href="/" className={buttonClass("secondary")}>
          Go to my projects
        </Link>
        <Link href="/projects/new" className={buttonClass("primary")}>
          New project
        </Link>
      </div>
    </div>
  );
}
