"use client";

import { BackLink, Card, PageHeader } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { DataPolicy } from "../_components/settings/DataPolicy";
import { Prices } from "../_components/settings/Prices";
import { ScoreConfigs } from "../_components/settings/ScoreConfigs";

export default function LogsSettingsPage() {
  const project = useProject();
  return (
    <div className="flex flex-col gap-6">
      <div>
        <BackLink href={`/${project.slug}/logs`}>Logs</BackLink>
      </div>
      <PageHeader title="Logs settings" description="What ratings mean, what calls cost, and what is kept." />
      <ScoreConfigs />
      <Prices />
      {atLeast(project.role, "admin") ? (
        <DataPolicy />
      ) : (
        <Card title="Redaction and retention">
          <p className="text-sm text-slate-500">Redaction and retention are managed by the admins of this project.</p>
        </Card>
      )}
    </div>
  );
}
