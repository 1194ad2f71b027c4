"use client";

import Link from "next/link";
import { useSyncExternalStore } from "react";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";

const noSubscribe = () => () => {};
/** This server's origin as the browser reached it; a placeholder while rendering on the server. */
const useOrigin = () =>
  useSyncExternalStore(
    noSubscribe,
    () => window.location.origin,
    () => "http://<host>",
  );

/** The empty explorer: how to send the first trace. */
export function IngestHelp() {
  const project = useProject();
  const origin = useOrigin();
  const curl = `curl -X POST ${origin}/api/v1/ingest \\
  -H "Authorization: Bearer sk_..." \\
  -H "Content-Type: application/json" \\
  -d '{"batch": [{"type": "trace", "body": {
        "name": "chat",
        "input": [{"role": "user", "content": "What is the capital of France?"}],
        "output": {"role": "assistant", "content": "Paris."}
      }}]}'`;
  // The TypeScript SDK lives in sdk/ of the Keel repository; there is no hosted docs page to link to yet.
  const sdk = `import OpenAI from "openai";
import { createKeelClient, observeOpenAI } from "@keel/sdk"; // sdk/ of the Keel repository (npm pack in sdk/)

const keel = createKeelClient({ baseUrl: "${origin}", apiKey: "sk_..." /* your secret key */ });
const openai = observeOpenAI(new OpenAI(), { client: keel }); // every call becomes a trace`;
  const code = "overflow-x-auto rounded-md bg-slate-900 px-4 py-3 font-mono text-xs leading-relaxed text-slate-100";
  // Wider than the shared <EmptyState>: the examples need the room.
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10">
      <div className="mx-auto flex max-w-2xl flex-col gap-3 text-sm text-slate-600">
        <h2 className="text-center text-sm font-semibold text-slate-900">No traces logged yet</h2>
        <p className="text-center">
          Send a batch of events to the ingest endpoint with a secret key of this project. A trace can carry generations (model, tokens,
          timing), spans and ratings.
        </p>
        <pre className={code}>
          <code>{curl}</code>
        </pre>
        <p>
          {atLeast(project.role, "engineer") ? (
            <>
              Create a secret key in{" "}
              <Link href={`/${project.slug}/settings`} className="font-medium text-indigo-600 hover:text-indigo-500">
                project settings
              </Link>
              .
            </>
          ) : (
            "Ask an engineer of this project for a secret key."
          )}{" "}
          Or trace OpenAI calls automatically with the TypeScript SDK (<code className="font-mono text-xs">sdk/</code> in the Keel
          repository):
        </p>
        <pre className={code}>
          <code>{sdk}</code>
        </pre>
      </div>
    </div>
  );
}
