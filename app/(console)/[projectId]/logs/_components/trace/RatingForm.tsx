"use client";

import { useMutation } from "@tanstack/react-query";
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { Button, ErrorBox } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";
import { isTextField, numericValue } from "../../queues/_components/review";
import { DEFAULT_FEEDBACK, type DraftValue, RatingControl, type ScoreConfig, TextArea } from "./RatingControls";

/** The value the server takes for a config, or an error naming what is wrong with the draft. */
function toValue(c: ScoreConfig, v: DraftValue): { value: number | string | boolean } | { error: string } {
  return c.dataType === "numeric" ? numericValue(c, v) : { value: v };
}

/**
 * Rate a trace: one control per active score config plus a comment, saved as one rating per config
 * that has a value (the comment goes with each). Shortcuts work while focus is not in a text field.
 */
export function RatingForm({
  projectId,
  traceId,
  configs,
  onSaved,
}: {
  projectId: string;
  traceId: string;
  configs: ScoreConfig[];
  onSaved: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const create = useMutation(trpc.logs.ratings.create.mutationOptions());
  const [values, setValues] = useState<Record<string, DraftValue | undefined>>({});
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);

  const thumbs = configs.find((c) => c.dataType === "boolean");
  const fields = thumbs || configs.some((c) => c.name === DEFAULT_FEEDBACK.name) ? configs : [DEFAULT_FEEDBACK, ...configs];
  const thumbConfig = fields.find((c) => c.dataType === "boolean");
  const digitConfig = fields.find((c) => c.dataType === "numeric" || c.dataType === "categorical");
  const set = (id: string, v: DraftValue | undefined) => {
    setValues((prev) => ({ ...prev, [id]: v }));
    setSaved(null);
  };

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (saving) return;
    const chosen = fields.filter((c) => values[c.id] !== undefined);
    if (chosen.length === 0) {
      setError("Pick a value first: press + for thumbs up, - for thumbs down, or use the controls above.");
      return;
    }
    const payload: { name: string; value: number | string | boolean }[] = [];
    for (const c of chosen) {
      const v = toValue(c, values[c.id] as DraftValue);
      if ("error" in v) return setError(v.error);
      payload.push({ name: c.name, value: v.value });
    }
    setSaving(true);
    setError(null);
    let done = 0;
    try {
      for (const p of payload) {
        await create.mutateAsync({ projectId, traceId, ...p, comment: comment.trim() || undefined });
        done++;
      }
      setValues({});
      setComment("");
      setSaved(`Saved ${done === 1 ? "your rating" : `${done} ratings`}.`);
    } catch (err) {
      setError(`${done ? `Saved ${done} of ${payload.length}; then: ` : ""}${errorMessage(err)}`);
    } finally {
      setSaving(false);
      if (done) await onSaved();
    }
  };

  // The latest handlers for the window listener, which is registered once.
  const shortcuts = useRef({ thumb: (_up: boolean) => {}, digit: (_n: number) => {}, submit: () => {} });
  shortcuts.current = {
    thumb: (up) => thumbConfig && set(thumbConfig.id, up),
    digit: (n) => {
      if (digitConfig?.dataType === "numeric") set(digitConfig.id, String(n));
      const cat = digitConfig?.categories?.[n - 1];
      if (digitConfig?.dataType === "categorical" && cat) set(digitConfig.id, cat.label);
    },
    submit: () => void submit(),
  };
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || isTextField(e.target)) return;
      const s = shortcuts.current;
      if (e.key === "+" || e.key === "u") s.thumb(true);
      else if (e.key === "-" || e.key === "d") s.thumb(false);
      else if (/^[1-9]$/.test(e.key)) s.digit(Number(e.key));
      else if (e.key === "c") commentRef.current?.focus();
      else if (e.key === "Enter" && (e.target === document.body || e.target === document.documentElement)) s.submit();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  /** Enter on a choice button saves (Space still picks it). */
  const onFormKey = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === "Enter" && e.target instanceof HTMLElement && e.target.dataset.choice !== undefined) {
      e.preventDefault();
      formRef.current?.requestSubmit();
    }
  };

  return (
    <form ref={formRef} onSubmit={submit} onKeyDown={onFormKey} aria-label="Rate this trace" noValidate className="flex flex-col gap-4">
      {error && <ErrorBox title="Could not save the rating" message={error} />}
      <div className="grid gap-4 md:grid-cols-2">
        {fields.map((c) => {
          const kind = c === thumbConfig ? "thumbs" : c === digitConfig ? "digits" : undefined;
          const hint =
            kind === "thumbs"
              ? "keys + / −"
              : kind === "digits"
                ? c.dataType === "numeric"
                  ? "keys 1–9"
                  : "keys 1–9 pick a label"
                : undefined;
          return (
            // data-shortcut marks which control the keys drive (for tests and styling)
            <div key={c.id} data-shortcut={kind}>
              <RatingControl config={c} value={values[c.id]} onChange={(v) => set(c.id, v)} shortcut={hint} />
            </div>
          );
        })}
      </div>
      <TextArea
        label="Comment"
        hint="Optional; saved with each rating. Press c to jump here."
        value={comment}
        onChange={setComment}
        textareaRef={commentRef}
        placeholder="What was good or wrong about this answer?"
      />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="primary" loading={saving}>
          Save rating
        </Button>
        <p role="status" className="text-sm text-emerald-700">
          {saved}
        </p>
        <ShortcutHint />
      </div>
    </form>
  );
}

const Kbd = ({ children }: { children: string }) => (
  <kbd className="rounded border border-slate-300 bg-white px-1 font-mono text-[11px] text-slate-700 shadow-xs">{children}</kbd>
);

function ShortcutHint() {
  return (
    <p className="ml-auto text-xs text-slate-500">
      <span className="font-medium text-slate-600">Shortcuts:</span> <Kbd>+</Kbd>/<Kbd>u</Kbd> thumbs up · <Kbd>-</Kbd>/<Kbd>d</Kbd> thumbs
      down · <Kbd>1</Kbd>–<Kbd>9</Kbd> score · <Kbd>c</Kbd> comment · <Kbd>Enter</Kbd> save
    </p>
  );
}
