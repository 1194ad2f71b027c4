"use client";

import { PageHeader } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { ApiKeys } from "./_components/ApiKeys";
import { AuditLog } from "./_components/AuditLog";
import { Members } from "./_components/Members";

export default function SettingsPage() {
  const project = useProject();
  return (
    <>
      <PageHeader title="Settings" description={`People, API keys and the audit trail of ${project.name}.`} />
      <div className="flex flex-col gap-6">
        <Members />
        <ApiKeys />
        {atLeast(project.role, "admin") && <AuditLog />}
      </div>
    </>
  );
}
