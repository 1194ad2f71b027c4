"use client";

import { useEffect, useRef, useState } from "react";
import { isTextField, type KeyScore, ratingKey } from "./keys";

export interface RatingKeyHandlers {
  configs: KeyScore[];
  onPick: (configId: string, value: string | boolean) => void;
  onSubmit: () => void;
  /** queues only: the trace page has no next item to skip to */
  onSkip?: () => void;
  onComment?: () => void;
}

/** Enter submits from the page or a choice button; on other buttons and links it keeps its own meaning. */
const submitsOnEnter = (t: EventTarget | null) =>
  !(t instanceof HTMLElement) || t.dataset.choice !== undefined || !t.closest("a,button,summary,[role=button],[role=dialog]");

/**
 * The rating keys (keys.ts) on the whole window, shared by the trace page and annotation queues.
 * Single keys are ignored while typing in a field; Ctrl/⌘+Enter submits from anywhere. Returns the
 * help overlay's state (`?` toggles it, Escape closes it).
 */
export function useRatingKeys(handlers: RatingKeyHandlers) {
  const [help, setHelp] = useState(false);
  // the listener is registered once and reads the latest handlers through a ref
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const h = latest.current;
      if (e.defaultPrevented || e.isComposing) return;
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        h.onSubmit();
        return;
      }
      if (e.key === "Escape") return setHelp(false);
      if (e.ctrlKey || e.metaKey || e.altKey || isTextField(e.target)) return;
      const action = ratingKey(h.configs, e.key);
      if (!action) return;
      if (action.kind === "submit") {
        if (!submitsOnEnter(e.target)) return;
        h.onSubmit();
      } else if (action.kind === "pick") h.onPick(action.configId, action.value);
      else if (action.kind === "help") setHelp((v) => !v);
      else if (action.kind === "skip") {
        if (!h.onSkip) return;
        h.onSkip();
      } else if (action.kind === "comment") {
        if (!h.onComment) return;
        h.onComment();
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return { help, setHelp };
}
