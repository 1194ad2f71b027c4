"use client";

/**
 * `<KeelRating>`: the embeddable rating widget (public/widget.js) as a React 19 client component.
 * Thumbs up posts `true`, thumbs down `false` to `POST {endpoint}/api/v1/ratings` with a public key
 * (`pk_...`) bound to the page's origin. One client-generated rating id per widget: changing the thumb,
 * retrying or adding a comment later upserts the same rating instead of adding another.
 * Depends on nothing but React; style it through `className` and the `keel-rating*` class names.
 */

import { type CSSProperties, type FormEvent, useId, useRef, useState } from "react";

export interface KeelRatingProps {
  /** A public key (`pk_...`) whose allowed origins include this page's origin. */
  publicKey: string;
  traceId: string;
  observationId?: string | undefined;
  /** The score name; the server's default is "user-feedback". */
  name?: string | undefined;
  /** Your app's user, for per-user rate limits and analysis. */
  endUserId?: string | undefined;
  /** The Keel origin, e.g. "https://keel.example.com". */
  endpoint: string;
  /** Offer an optional comment box once a thumb is chosen. */
  withComment?: boolean | undefined;
  onRated?: ((value: boolean) => void) | undefined;
  className?: string | undefined;
}

type Status = { kind: "idle" } | { kind: "sending" } | { kind: "done" } | { kind: "error"; message: string };

const newId = () =>
  typeof crypto !== "undefined" && crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2);

/** Posts one rating; resolves on 201, rejects with a short message for the end user. */
async function postRating(endpoint: string, key: string, body: Record<string, unknown>): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${endpoint.replace(/\/+$/, "")}/api/v1/ratings`, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error("Could not reach the server.");
  }
  if (res.ok) return;
  const err = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  // The reason is for the app's developer; the end user gets a short line.
  console.warn(`[keel] rating refused (${res.status}):`, err?.error?.message ?? res.statusText);
  throw new Error(res.status === 429 ? "Too many ratings, please try again later." : "Could not send your feedback.");
}

/** A fresh widget (new rating id, no state) for every trace and observation. */
export function KeelRating(props: KeelRatingProps) {
  return <Rating key={`${props.traceId}\u0000${props.observationId ?? ""}`} {...props} />;
}

const S = {
  row: { display: "flex", flexWrap: "wrap", alignItems: "center", gap: 8 },
  button: {
    display: "inline-flex",
    alignItems: "center",
    padding: "5px 9px",
    border: "1px solid #cbd5e1",
    borderRadius: 6,
    background: "#fff",
    color: "inherit",
    font: "inherit",
    cursor: "pointer",
  },
  pressed: { borderColor: "#4f46e5", color: "#4f46e5", background: "#eef2ff" },
  form: { display: "flex", flexDirection: "column", gap: 6, marginTop: 8, maxWidth: 420 },
  textarea: { boxSizing: "border-box", width: "100%", padding: "6px 8px", border: "1px solid #cbd5e1", borderRadius: 6, font: "inherit" },
} satisfies Record<string, CSSProperties>;

function Rating({ publicKey, traceId, observationId, name, endUserId, endpoint, withComment, onRated, className }: KeelRatingProps) {
  const ratingId = useRef<string | null>(null);
  const commentId = useId();
  const [value, setValue] = useState<boolean | null>(null);
  const [note, setNote] = useState("");
  const [draft, setDraft] = useState("");
  const [stored, setStored] = useState(false);
  const [commentSent, setCommentSent] = useState(false);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const sending = status.kind === "sending";

  async function send(v: boolean, comment: string): Promise<boolean> {
    ratingId.current ??= newId();
    const body: Record<string, unknown> = { id: ratingId.current, traceId, name: name ?? "user-feedback", value: v };
    if (observationId) body.observationId = observationId;
    if (endUserId) body.endUserId = endUserId;
    // Sent again with every re-post: the upsert would otherwise clear it.
    if (comment) body.comment = comment;
    setStatus({ kind: "sending" });
    try {
      await postRating(endpoint, publicKey, body);
      setStatus({ kind: "done" });
      setStored(true);
      onRated?.(v);
      return true;
    } catch (err) {
      setStatus({ kind: "error", message: (err as Error).message });
      return false;
    }
  }

  const rate = (v: boolean) => {
    setValue(v);
    void send(v, note);
  };

  async function submitComment(e: FormEvent) {
    e.preventDefault();
    const text = draft.trim();
    if (!text || value === null) return;
    setNote(text);
    if (await send(value, text)) setCommentSent(true);
  }

  const thumb = (v: boolean, label: string) => (
    <button
      type="button"
      className="keel-rating__button"
      aria-label={label}
      aria-pressed={value === v}
      disabled={sending}
      onClick={() => rate(v)}
      style={{ ...S.button, ...(value === v ? S.pressed : null), ...(sending ? { cursor: "default", opacity: 0.6 } : null) }}
    >
      <Thumb down={!v} />
    </button>
  );

  const showComment = withComment && stored && !commentSent;
  return (
    <div className={className ? `keel-rating ${className}` : "keel-rating"}>
      {/* biome-ignore lint/a11y/useSemanticElements: a fieldset would bring its own border and legend layout into host pages */}
      <div role="group" aria-label="Rate this response" style={S.row}>
        {thumb(true, "Good response")}
        {thumb(false, "Bad response")}
        <span
          role="status"
          aria-live="polite"
          className="keel-rating__status"
          style={status.kind === "error" ? { color: "#b91c1c" } : undefined}
        >
          {status.kind === "sending" && "Sending…"}
          {status.kind === "done" && "Thanks for your feedback"}
          {status.kind === "error" && status.message}
        </span>
        {status.kind === "error" && value !== null && (
          <button type="button" className="keel-rating__button" style={S.button} onClick={() => void send(value, note)}>
            Try again
          </button>
        )}
      </div>
      {showComment && (
        <form className="keel-rating__comment" style={S.form} onSubmit={submitComment}>
          <label htmlFor={commentId}>Anything to add? (optional)</label>
          <textarea
            id={commentId}
            rows={3}
            maxLength={5000}
            value={draft}
            disabled={sending}
            onChange={(e) => setDraft(e.target.value)}
            style={S.textarea}
          />
          <button
            type="submit"
            className="keel-rating__button"
            disabled={sending || !draft.trim()}
            style={{ ...S.button, alignSelf: "flex-start" }}
          >
            Send comment
          </button>
        </form>
      )}
    </div>
  );
}

function Thumb({ down }: { down: boolean }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="18"
      height="18"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      style={down ? { transform: "scaleY(-1)" } : undefined}
    >
      <path d="M7 10v12M15 5.9 14 10h5.8a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.4 22H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.8a2 2 0 0 0 1.8-1.1L12 2a3.1 3.1 0 0 1 3 3.9Z" />
    </svg>
  );
}
