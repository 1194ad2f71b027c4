import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir, env } from "../../env";

/**
 * Secrets at rest (provider API keys): AES-256-GCM under KEEL_SECRET, stored as
 * `v1.<iv>.<tag>.<ciphertext>` (base64url). A wrong key or a tampered value fails to open, loudly.
 */
function keyFrom(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("KEEL_SECRET must be 32 bytes: 64 hex characters or 44 base64 characters");
  return key;
}

let cached: Buffer | null = null;

/** KEEL_SECRET, else <data dir>/secret.key (created once, mode 600, shared by every process on that dir). */
export function secretKey(): Buffer {
  if (cached) return cached;
  if (env.KEEL_SECRET) {
    cached = keyFrom(env.KEEL_SECRET);
    return cached;
  }
  const file = path.join(dataDir(), "secret.key");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir(), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; // another process won the race
    }
  }
  cached = keyFrom(fs.readFileSync(file, "utf8"));
  return cached;
}

export function seal(plain: string, key = secretKey()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

export function open(sealed: string, key = secretKey()): string {
  const [v, iv, tag, body] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new Error("a stored secret does not open with this KEEL_SECRET (was it changed?)");
  }
}
