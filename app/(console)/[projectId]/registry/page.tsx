"use client";

import { EmptyState } from "../../../_components/EmptyState";
import { PageHeader } from "../../../_components/ui";

export default function RegistryPage() {
  return (
    <>
      <PageHeader title="Model registry" description="Registered models, their versions and aliases." />
      <EmptyState title="No models registered yet">
        Registered models will live here: every version with its artifacts, lineage (dataset, job, parent) and aliases such as production
        and staging, with approvals before promotion.
      </EmptyState>
    </>
  );
}
