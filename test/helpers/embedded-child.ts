// Started by test/core/embedded.test.ts: owns an embedded server until it is killed.
import { ensureEmbedded } from "../../db/embedded";

const handle = await ensureEmbedded({ dataDir: process.argv[2] as string });
console.log(JSON.stringify({ url: handle.url, owner: handle.owner }));
setInterval(() => {}, 1000);
