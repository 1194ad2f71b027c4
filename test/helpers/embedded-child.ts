// Started by test/core/embedded.test.ts: holds an embedded server handle (owner, or attached) until
// it is killed; SIGTERM detaches cleanly (the last one out stops the server, or hands it over).
import { ensureEmbedded } from "../../db/embedded";

const handle = await ensureEmbedded({ dataDir: process.argv[2] as string, notify: (line) => console.error(`[child] ${line}`) });
console.log(JSON.stringify({ url: handle.url, owner: handle.owner }));
const keep = setInterval(() => {}, 1000);
process.on("SIGTERM", async () => {
  await handle.stop();
  clearInterval(keep);
  process.exit(0);
});
