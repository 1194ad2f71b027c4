"use client";

import { EmptyState } from "../../../_components/EmptyState";
import { PageHeader } from "../../../_components/ui";

export default function DriftPage() {
  return (
    <>
      <PageHeader title="Drift" description="Watch production inputs and outputs drift from a reference." />
      <EmptyState title="No drift monitors yet">
        Drift monitors will be listed here with their reference and current windows, statistics over time, alert rules and the retraining
        they can trigger.
      </EmptyState>
    </>
  );
}
