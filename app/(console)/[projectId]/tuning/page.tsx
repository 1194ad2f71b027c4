"use client";

import { EmptyState } from "../../../_components/EmptyState";
import { PageHeader } from "../../../_components/ui";

export default function TuningPage() {
  return (
    <>
      <PageHeader title="Fine-tuning" description="Train new model versions on your datasets." />
      <EmptyState title="No fine-tuning jobs yet">
        Fine-tuning jobs will show here with their state, logs and metric curves, and the CPU and GPU workers that run them. Each finished
        job registers a new model version.
      </EmptyState>
    </>
  );
}
