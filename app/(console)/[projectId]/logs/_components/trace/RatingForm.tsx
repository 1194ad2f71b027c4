"use client";

import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { Button, ErrorBox } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";
import { numericValue } from "../../queues/_components/review";
import { KeyHelp, KeyHelpButton } from "./KeyHelp";
import { digitScore, keyHint, yesNoScore } from "./keys";
import { DEFAULT_FEEDBACK, type DraftValue, RatingControl, type ScoreConfig, TextArea } from "./RatingControls";
import { useRatingKeys } from "./useRatingKeys";

/** The value the server takes for a config, or an error naming what is wrong with the draft. */
function toValue(c: ScoreConfig, v: DraftValue): { value: number | string | boolean } | { error: string } {
  return c.dataType === "numeric" ? numericValue(c, v) : { value: v };
}

/**
 * Rate a trace: one control per active score config plus a comment, saved as one rating per config
 * that has a value (the comment goes with each). The rating keys (keys.ts) work while focus is not in a text field.
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
  const commentRef = useRef<HTMLTextAreaElement>(null);

  const thumbs = configs.find((c) => c.dataType === "boolean");
  const fields = thumbs || configs.some((c) => c.name === DEFAULT_FEEDBACK.name) ? configs : [DEFAULT_FEEDBACK, ...configs];
  const set = (id: string, v: DraftValue | undefined) => {
    setValues((prev) => ({ ...prev, [id]: v }));
    setSaved(null);
  };

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (saving) return;
    const chosen = fields.filter((c) => values[c.id] !== undefined);
    if (chosen.length === 0) {
      setError("Pick a value first: press y for thumbs up, n for thumbs down, 1–9 for a score, or use the controls above.");
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

  const { help, setHelp } = useRatingKeys({
    configs: fields,
    onPick: set,
    onSubmit: () => void submit(),
    onComment: () => commentRef.current?.focus(),
  });

  return (
    <form onSubmit={submit} aria-label="Rate this trace" noValidate className="flex flex-col gap-4">
      {error && <ErrorBox title="Could not save the rating" message={error} />}
      <div className="grid gap-4">
        {fields.map((c) => {
          const kind = c === yesNoScore(fields) ? "thumbs" : c === digitScore(fields) ? "digits" : undefined;
          const hint = keyHint(fields, c);
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
        <span className="ml-auto">
          <KeyHelpButton onClick={() => setHelp(!help)} />
        </span>
        <KeyHelp open={help} onClose={() => setHelp(false)} skip={false} />
      </div>
    </form>
  );
}
