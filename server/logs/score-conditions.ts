/** One per-score condition of a trace filter (traces.ts's scoreFilter): a label, a range, or neither (rated on it). */
export interface ScoreCondition {
  name: string;
  min?: number;
  max?: number;
  label?: string;
}

const PART = /^(.+?)(>=|<=|=)(.*)$/;

/**
 * Score conditions as the explorer's URL writes them (app/.../logs/_components/filters.ts): `;`
 * separated `name` (rated on it), `name=label`, `name>=n`, `name<=n`; one name's min and max are one
 * condition. A part that is none of these goes to `bad` with why, and is left out.
 */
export function parseScoreConditions(text: string, bad?: (part: string, why: string) => void): ScoreCondition[] {
  const out: ScoreCondition[] = [];
  for (const part of text
    .split(";")
    .map((x) => x.trim())
    .filter(Boolean)) {
    const [, rawName = part, op, rawValue = ""] = PART.exec(part) ?? [];
    const name = rawName.trim();
    const value = rawValue.trim();
    if (!op) out.push({ name });
    else if (op === "=") {
      if (value) out.push({ name, label: value });
      else bad?.(part, "needs a label after =");
    } else {
      const n = Number(value);
      if (!value || !Number.isFinite(n)) {
        bad?.(part, `needs a number after ${op}`);
        continue;
      }
      const bound = op === ">=" ? "min" : "max";
      const same = out.find((c) => c.name === name && c.label === undefined);
      if (same) same[bound] = n;
      else out.push({ name, [bound]: n });
    }
  }
  return out;
}
