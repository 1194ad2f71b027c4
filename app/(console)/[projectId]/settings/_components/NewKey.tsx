"use client";

import { ShownOnce } from "@/app/_components/ShownOnce";

/** The plain key right after creation: the server keeps only its hash, so this is the one chance to copy it. */
export function NewKey({ plainKey, name, onDone }: { plainKey: string; name: string; onDone: () => void }) {
  return (
    <ShownOnce
      secret={plainKey}
      what="key"
      testId="new-key"
      title={<>Key “{name}” created. This key is shown once: copy it now and store it somewhere safe.</>}
      onDone={onDone}
    />
  );
}
