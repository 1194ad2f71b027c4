"use client";

import Link from "next/link";
import { Card, PageHeader } from "../../../../_components/ui";
import { useProject } from "../../../../_lib/project";
import { atLeast } from "../../../../_lib/roles";
import { DataPolicy } from "../_components/settings/DataPolicy";
import { Prices } from "../_components/settings/Prices";
import { ScoreConfigs } from "../_components/settings/ScoreConfigs";

export default function LogsSettingsPage() {
  const project = useProject();
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/${project.slug}/logs`} className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
          ← Logs
        </Link>
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
