"use client";

import { useRouter } from "next/navigation";
import { BackLink, Card, PageHeader } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { NewRunForm } from "../_components/NewRunForm";

export default function NewEvalRunPage() {
  const project = useProject();
  const router = useRouter();
  const back = <BackLink href={`/${project.slug}/evals`}>Evaluations</BackLink>;
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title="New eval run"
        description="Score a dataset version: its stored predictions, or the answers of a deployment, a registry model version or a router to a prompt template."
      />
      <Card>
        {atLeast(project.role, "engineer") ? (
          <NewRunForm onCreated={(run) => router.push(`/${project.slug}/evals/runs/${run.id}`)} />
        ) : (
          <p className="text-sm text-slate-500">An engineer of this project can start a run.</p>
        )}
      </Card>
    </div>
  );
}
