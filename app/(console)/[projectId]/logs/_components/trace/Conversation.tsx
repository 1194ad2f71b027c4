"use client";

import { useId, useMemo, useState } from "react";
import { ChatMessages, callsById } from "../chat/ChatView";
import { parseChat } from "../chat/parse";
import { JsonBlock } from "../JsonBlock";

const absent = (v: unknown) => v === null || v === undefined;

function Side({
  label,
  value,
  messages,
  scope,
  calls,
}: {
  label: "Input" | "Output";
  value: unknown;
  messages: ReturnType<typeof parseChat>;
  scope: string;
  calls: ReturnType<typeof callsById>;
}) {
  if (messages) return <ChatMessages label={`${label} messages`} messages={messages} scope={scope} calls={calls} />;
  if (absent(value)) return <p className="text-sm text-slate-500">No {label.toLowerCase()} logged.</p>;
  return <JsonBlock value={value} label={label} />;
}

/**
 * A trace's input and output: chat bubbles where they are a chat in any shape parseChat reads
 * (tool calls and their results linked by id), else JSON or text; "Raw JSON" shows what was logged.
 */
export function Conversation({ input, output }: { input: unknown; output: unknown }) {
  const scope = useId().replace(/[^A-Za-z0-9_-]/g, "");
  const [raw, setRaw] = useState(false);
  const inMsgs = useMemo(() => parseChat(input, "input"), [input]);
  const outMsgs = useMemo(() => (absent(output) ? null : parseChat(output, "output")), [output]);
  const calls = useMemo(() => callsById([inMsgs, outMsgs]), [inMsgs, outMsgs]);
  const chat = inMsgs !== null || outMsgs !== null;
  return (
    <div className="flex min-w-0 flex-col gap-3">
      {chat && (
        <div className="flex justify-end">
          <button
            type="button"
            aria-pressed={raw}
            onClick={() => setRaw(!raw)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50"
          >
            Raw JSON
          </button>
        </div>
      )}
      {raw ? (
        <>
          <JsonBlock value={input ?? null} label="Input (raw)" />
          <JsonBlock value={output ?? null} label="Output (raw)" />
        </>
      ) : (
        <>
          <Side label="Input" value={input} messages={inMsgs} scope={scope} calls={calls} />
          <Side label="Output" value={output} messages={outMsgs} scope={scope} calls={calls} />
        </>
      )}
    </div>
  );
}
