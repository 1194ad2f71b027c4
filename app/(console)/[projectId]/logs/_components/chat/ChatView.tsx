"use client";

import { cx } from "@/app/_components/classes";
import { JsonBlock } from "../JsonBlock";
import { LongText } from "./LongText";
import type { ChatMessage, ChatPart } from "./parse";

type ToolCall = Extract<ChatPart, { type: "tool_call" }>;

const ROLE_STYLE: Record<string, string> = {
  system: "border-slate-200 bg-slate-50",
  user: "border-indigo-100 bg-indigo-50/60",
  assistant: "border-emerald-100 bg-emerald-50/60",
  tool: "border-amber-100 bg-amber-50/60",
};

/** An element id for a tool call (ids come from logged data: only safe characters, scoped to this view). */
export const callAnchor = (scope: string, id: string) => `${scope}-call-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** The tool calls of a conversation by id, so each result can name and link to its call. */
export function callsById(lists: (ChatMessage[] | null)[]): Map<string, ToolCall> {
  const out = new Map<string, ToolCall>();
  for (const m of lists.flatMap((l) => l ?? []))
    for (const p of m.parts) if (p.type === "tool_call" && p.id !== undefined && !out.has(p.id)) out.set(p.id, p);
  return out;
}

/** A tool result's content as text where it is text (Anthropic sends text blocks), else as JSON. */
function resultText(c: unknown): string | null {
  if (typeof c === "string") return c;
  if (Array.isArray(c) && c.every((b) => b && typeof b === "object" && typeof (b as { text?: unknown }).text === "string"))
    return c.map((b) => (b as { text: string }).text).join("\n");
  return null;
}

const blockHead = "mb-1 flex flex-wrap items-center gap-x-2 gap-y-0.5 text-xs text-slate-600";

function Part({ p, scope, calls }: { p: ChatPart; scope: string; calls: Map<string, ToolCall> }) {
  if (p.type === "text") return <LongText text={p.text} />;
  if (p.type === "image")
    return (
      <p className="text-xs break-all text-slate-600">
        <span className="font-medium">Image:</span> <span className="font-mono">{p.ref}</span>
      </p>
    );
  if (p.type === "tool_call")
    return (
      <figure
        aria-label={`Tool call ${p.name}`}
        id={p.id !== undefined ? callAnchor(scope, p.id) : undefined}
        className="rounded-md border border-violet-200 bg-white/70 px-3 py-2"
      >
        <figcaption className={blockHead}>
          <span className="font-semibold tracking-wide text-violet-700 uppercase">Tool call</span>
          <span className="font-mono font-medium break-all text-slate-900">{p.name}</span>
          {p.id !== undefined && <span className="font-mono break-all text-slate-500">{p.id}</span>}
        </figcaption>
        <JsonBlock value={p.arguments} label="Arguments" />
      </figure>
    );
  if (p.type === "tool_result") {
    const call = p.id !== undefined ? calls.get(p.id) : undefined;
    const asText = resultText(p.content);
    return (
      <figure
        aria-label={`Tool result${call ? ` of ${call.name}` : ""}`}
        className="rounded-md border border-amber-200 bg-white/70 px-3 py-2"
      >
        <figcaption className={blockHead}>
          <span className="font-semibold tracking-wide text-amber-700 uppercase">Tool result</span>
          {p.id !== undefined &&
            (call ? (
              <a href={`#${callAnchor(scope, p.id)}`} className="font-mono break-all text-indigo-600 hover:text-indigo-500">
                of {call.name} ({p.id})
              </a>
            ) : (
              <span className="font-mono break-all text-slate-500">for {p.id}</span>
            ))}
        </figcaption>
        {asText !== null ? <LongText text={asText} /> : <JsonBlock value={p.content} />}
      </figure>
    );
  }
  return <JsonBlock value={p.value} />;
}

function Bubble({ m, scope, calls }: { m: ChatMessage; scope: string; calls: Map<string, ToolCall> }) {
  return (
    <li
      className={cx(
        "flex min-w-0 flex-col gap-2 rounded-lg border px-4 py-3",
        ROLE_STYLE[m.role] ?? "border-slate-200 bg-white",
        m.role === "user" && "sm:ml-12",
      )}
      data-role={m.role}
    >
      <div className="flex items-center gap-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">
        {m.role}
        {m.name && <span className="font-mono font-normal break-all normal-case">{m.name}</span>}
      </div>
      {m.parts.length === 0 ? (
        <p className="text-xs text-slate-400 italic">(empty)</p>
      ) : (
        m.parts.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts have no ids; a message's parts are fixed
          <Part key={i} p={p} scope={scope} calls={calls} />
        ))
      )}
    </li>
  );
}

/** Messages as chat bubbles by role. Every logged string is rendered as a text node, never as markup. */
export function ChatMessages({
  label,
  messages,
  scope,
  calls,
}: {
  label: string;
  messages: ChatMessage[];
  /** prefix of the tool calls' element ids (one per conversation on the page) */
  scope: string;
  calls: Map<string, ToolCall>;
}) {
  return (
    <ol aria-label={label} className="flex min-w-0 flex-col gap-3">
      {messages.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: messages have no ids; the list is fixed for a trace
        <Bubble key={i} m={m} scope={scope} calls={calls} />
      ))}
    </ol>
  );
}
