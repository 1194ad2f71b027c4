"use client";

type Cond =
  | { type: "length"; op: string; value: number; unit?: string }
  | { type: "regex"; pattern: string; flags?: string }
  | { type: "metadata"; key: string; equals: unknown }
  | { type: "tier"; in: string[] };

function describe(c: Cond): string {
  switch (c.type) {
    case "length":
      return `length ${c.op} ${c.value} ${c.unit ?? "chars"}`;
    case "regex":
      return `prompt matches /${c.pattern}/${c.flags ?? ""}`;
    case "metadata":
      return `metadata.${c.key} = ${JSON.stringify(c.equals)}`;
    case "tier":
      return `tier in ${c.in.join(", ")}`;
  }
}

const Code = ({ children }: { children: React.ReactNode }) => <code className="font-mono text-xs text-slate-900">{children}</code>;

/** A router's config in words, per kind. */
export function ConfigSummary({ kind, config }: { kind: string; config: Record<string, unknown> }) {
  const c = config as Record<string, never>;
  if (kind === "rules") {
    const rules = (c.rules ?? []) as { when: Cond; target: string; name?: string }[];
    const large = (c.large ?? []) as string[];
    return (
      <ol className="flex list-decimal flex-col gap-1 pl-5 text-sm text-slate-700">
        {rules.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the rules' order is the config's
          <li key={i}>
            if {describe(r.when)} → <Code>{r.target}</Code>
            {r.name && <span className="text-slate-500"> ({r.name})</span>}
          </li>
        ))}
        <li className="list-none">
          otherwise → <Code>{String(c.default)}</Code>
          {large.length > 0 && <span className="text-slate-500"> · large: {large.join(", ")}</span>}
        </li>
      </ol>
    );
  }
  if (kind === "split") {
    const targets = (c.targets ?? []) as { target: string; weight: number; large?: boolean }[];
    const sum = targets.reduce((s, t) => s + t.weight, 0) || 1;
    return (
      <ul className="flex flex-col gap-1 text-sm text-slate-700">
        {targets.map((t) => (
          <li key={t.target}>
            <Code>{t.target}</Code> {((t.weight / sum) * 100).toFixed(1)}% {t.large && <span className="text-slate-500">(large)</span>}
          </li>
        ))}
      </ul>
    );
  }
  const checks = (c.checks ?? {}) as { nonEmpty?: boolean; regex?: string; json?: boolean };
  return (
    <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm text-slate-700">
      <dt className="text-slate-500">Small</dt>
      <dd>
        <Code>{String(c.small)}</Code>
      </dd>
      <dt className="text-slate-500">Large</dt>
      <dd>
        <Code>{String(c.large)}</Code>
      </dd>
      {kind === "cascade" ? (
        <>
          <dt className="text-slate-500">Escalate when</dt>
          <dd>
            {[
              checks.nonEmpty && "the answer is empty",
              checks.regex && `the answer does not match /${checks.regex}/`,
              checks.json && "the answer is not JSON",
              c.minMeanLogprob !== undefined && `mean logprob < ${c.minMeanLogprob}`,
            ]
              .filter(Boolean)
              .join("; ") || "never (no checks)"}
          </dd>
        </>
      ) : (
        <>
          <dt className="text-slate-500">Margin</dt>
          <dd>{String(c.margin ?? 0)}</dd>
        </>
      )}
    </dl>
  );
}
