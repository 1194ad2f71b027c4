"use client";

import { useCallback, useMemo, useSyncExternalStore } from "react";

/** Same-tab writes notify through this event; other tabs through the browser's "storage" event. */
const LOCAL_EVENT = "keel:local-storage";

function subscribe(onChange: () => void) {
  window.addEventListener("storage", onChange);
  window.addEventListener(LOCAL_EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(LOCAL_EVENT, onChange);
  };
}

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled (private mode, policy): behave as empty
  }
}

/**
 * A JSON value kept in localStorage under `key`. Renders `fallback` on the server and until the
 * browser has hydrated (no mismatch), then the stored value; `parse` rejects malformed data (null).
 */
export function useLocalStorage<T>(key: string, fallback: T, parse: (v: unknown) => T | null): [T, (next: T | null) => void] {
  const raw = useSyncExternalStore(
    subscribe,
    () => read(key),
    () => null,
  );
  const value = useMemo(() => {
    if (raw === null) return fallback;
    try {
      return parse(JSON.parse(raw)) ?? fallback;
    } catch {
      return fallback;
    }
  }, [raw, fallback, parse]);
  const set = useCallback(
    (next: T | null) => {
      try {
        if (next === null) window.localStorage.removeItem(key);
        else window.localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // quota or disabled storage: the change lives until reload at most
      }
      window.dispatchEvent(new Event(LOCAL_EVENT));
    },
    [key],
  );
  return [value, set];
}
