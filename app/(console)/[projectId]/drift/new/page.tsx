"use client";

import { BackLink, PageHeader } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { MonitorForm } from "../_components/MonitorForm";
import { driftHref } from "../_components/shared";

export default function NewMonitorPage() {
  const project = useProject();
  return (
    <div className="flex flex-col gap-6">
      <BackLink href={driftHref(project.slug)}>All monitors</BackLink>
      <PageHeader
        title="New drift monitor"
        description="What to watch, against which reference, how often. Preview shows what the first run would find before you save."
      />
      {atLeast(project.role, "engineer") ? (
        <MonitorForm />
      ) : (
        <p className="text-sm text-slate-600">Creating monitors needs the engineer role or higher.</p>
      )}
    </div>
  );
}
