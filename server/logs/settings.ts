import { eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { compileRedaction, type RedactionConfig, validateRedactionConfig } from "./redaction";

export interface LogSettings {
  retentionDays: number | null;
  redaction: RedactionConfig;
}

const DEFAULTS: LogSettings = { retentionDays: null, redaction: { builtins: [], custom: [] } };

export async function getLogSettings(db: DbOrTx, projectId: string): Promise<LogSettings> {
  const [row] = await db.select().from(schema.logSettings).where(eq(schema.logSettings.projectId, projectId));
  return row ? { retentionDays: row.retentionDays, redaction: row.redaction as RedactionConfig } : DEFAULTS;
}

export async function updateLogSettings(db: DbOrTx, actor: Actor, projectId: string, input: LogSettings): Promise<LogSettings> {
  try {
    validateRedactionConfig(input.redaction);
  } catch (err) {
    // the rule's own field under redaction (custom[0].pattern → redaction.custom.0.pattern), so a form shows it there
    const inner = err instanceof DomainError && err.field ? `.${err.field.replace(/\[(\d+)\]/g, ".$1")}` : "";
    throw new DomainError("BAD_REQUEST", (err as Error).message, `redaction${inner}`);
  }
  return db.transaction(async (tx) => {
    const before = await getLogSettings(tx, projectId);
    await tx
      .insert(schema.logSettings)
      .values({ projectId, retentionDays: input.retentionDays, redaction: input.redaction, updatedAt: new Date() })
      .onConflictDoUpdate({
        target: schema.logSettings.projectId,
        set: { retentionDays: input.retentionDays, redaction: input.redaction, updatedAt: new Date() },
      });
    await recordAudit(tx, actor, {
      projectId,
      action: "logs.settings.update",
      targetType: "log_settings",
      targetId: projectId,
      before,
      after: input,
    });
    return input;
  });
}

/** The project's redaction as a function over JSON values: applied at ingest, before anything is stored. */
export async function loadRedactor(db: DbOrTx, projectId: string): Promise<<T>(value: T) => T> {
  const { redaction } = await getLogSettings(db, projectId);
  if (!redaction.builtins.length && !redaction.custom.length) return (v) => v;
  const redactor = compileRedaction(redaction);
  return <T>(value: T) => (value === undefined ? value : (redactor(value).value as T));
}
