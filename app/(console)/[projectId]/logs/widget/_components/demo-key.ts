"use client";

import { useCallback, useEffect, useState } from "react";

/** A public key made for this page, remembered per project in this browser: `{ key, origin }`. */
export interface DemoKey {
  key: string;
  origin: string;
}

const storageKey = (projectId: string) => `keel.widgetDemoKey.${projectId}`;

function read(projectId: string): DemoKey | null {
  try {
    const v = JSON.parse(window.localStorage.getItem(storageKey(projectId)) ?? "null") as Partial<DemoKey> | null;
    return typeof v?.key === "string" && typeof v.origin === "string" ? { key: v.key, origin: v.origin } : null;
  } catch {
    return null; // unparsable, or storage blocked
  }
}

/**
 * The stored demo key when it was made for this origin (a key is bound to its origins, so one from
 * another host name would be refused). `loaded` is false until the browser's storage has been read.
 */
export function useDemoKey(projectId: string, origin: string) {
  const [stored, setStored] = useState<DemoKey | null>(null);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    setStored(read(projectId));
    setLoaded(true);
  }, [projectId]);
  const save = useCallback(
    (key: DemoKey) => {
      try {
        window.localStorage.setItem(storageKey(projectId), JSON.stringify(key));
      } catch {
        // Storage blocked: the key still works for this visit.
      }
      setStored(key);
    },
    [projectId],
  );
  const demoKey = stored && origin && stored.origin === origin ? stored : null;
  return { demoKey, loaded, save };
}
