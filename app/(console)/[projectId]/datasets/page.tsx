"use client";

import { EmptyState } from "../../../_components/EmptyState";
import { PageHeader } from "../../../_components/ui";

export default function DatasetsPage() {
  return (
    <>
      <PageHeader title="Datasets" description="Versioned data for evaluation and fine-tuning." />
      <EmptyState title="No datasets yet">
        Datasets built from logs and ratings, or uploaded as JSONL or CSV, will live here. Each version is immutable and identified by its
        content hash.
      </EmptyState>
    </>
  );
}
