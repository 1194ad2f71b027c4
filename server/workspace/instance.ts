import type { DbOrTx } from "../../db/client";
import { env } from "../../env";
import { parseCidrList } from "../core/egress";
import { DomainError } from "../core/errors";
import { getInstanceSetting, setInstanceSetting } from "./instance-settings";
import type { Actor } from "./principal";

/** What the instance admin page shows: the console settings beside the environment's part in them. */
export interface InstanceSettingsView {
  /** CIDRs added in the console; outbound calls may also reach `egressAllowEnv`. */
  egressAllow: string[];
  /** KEEL_EGRESS_ALLOW: set by the operator, not changeable here. */
  egressAllowEnv: string[];
  projectCreation: "anyone" | "admins";
  /** KEEL_PROJECT_CREATION, used until an admin chooses in the console. */
  projectCreationDefault: "anyone" | "admins";
}

const splitList = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export async function getInstanceSettings(db: DbOrTx): Promise<InstanceSettingsView> {
  return {
    egressAllow: await getInstanceSetting(db, "egress.allow"),
    egressAllowEnv: splitList(env.KEEL_EGRESS_ALLOW),
    projectCreation: await getInstanceSetting(db, "projects.creation"),
    projectCreationDefault: env.KEEL_PROJECT_CREATION,
  };
}

export type InstanceSettingInput = { key: "egress.allow"; value: string[] } | { key: "projects.creation"; value: "anyone" | "admins" };

/** An instance admin changes one setting (the rung checks the admin flag); audit-logged by the setter. */
export async function updateInstanceSetting(db: DbOrTx, actor: Actor, input: InstanceSettingInput): Promise<InstanceSettingsView> {
  // the egress module's own parser: what is accepted here is exactly what the connect-time check applies;
  // a refusal names `value`, the input's field, as the schema's own refusals do (the console shows it under the list)
  if (input.key === "egress.allow") await setInstanceSetting(db, actor, "egress.allow", parseCidrList(input.value, "value"));
  else await setInstanceSetting(db, actor, "projects.creation", input.value);
  return getInstanceSettings(db);
}

/** KEEL_PROJECT_CREATION / the console setting: may this signed-in user create a project? */
export async function assertMayCreateProject(db: DbOrTx, user: { isAdmin: boolean }): Promise<void> {
  if (user.isAdmin) return;
  if ((await getInstanceSetting(db, "projects.creation")) === "admins")
    throw new DomainError(
      "FORBIDDEN",
      "Only instance admins may create projects on this instance; ask an instance admin to create one and invite you",
    );
}
