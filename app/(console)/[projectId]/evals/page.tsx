"use client";

import { EmptyState } from "../../../_components/EmptyState";
import { PageHeader } from "../../../_components/ui";

export default function EvalsPage() {
  return (
    <>
      <PageHeader title="Evaluations" description="Score model outputs and gate promotions." />
      <EmptyState title="No evaluation runs yet">
        Eval runs will be listed here with their BLEU, chrF, ROUGE and exact-match scores, side-by-side comparisons and the promotion gates
        they pass or fail.
      </EmptyState>
    </>
  );
}
