"use client";

import Link from "next/link";
import { buttonClass } from "@/app/_components/classes";
import { Card, PageHeader } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { AlertsTable } from "./_components/AlertsTable";
import { MonitorsTable } from "./_components/MonitorsTable";
import { newMonitorHref } from "./_components/shared";

export default function DriftPage() {
  const project = useProject();
  const canWrite = atLeast(project.role, "engineer");
  const newButton = canWrite ? (
    <Link href={newMonitorHref(project.slug)} className={buttonClass("primary")}>
      New monitor
    </Link>
  ) : undefined;
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Drift"
        description="Watch production inputs and outputs drift from a reference: per-column statistical tests, embeddings, verdicts over time, alerts and the retraining they can propose."
        actions={newButton}
      />
      <Card title="Monitors">
        <MonitorsTable action={newButton} />
      </Card>
      <Card
        title="Alerts"
        description="Fired by the monitors' alert rules. A rule with a retraining proposes a tuning job that waits for an approver."
      >
        <AlertsTable />
      </Card>
    </div>
  );
}
