import type { RouterOutputs } from "@/app/_lib/trpc";

type Actor = RouterOutputs["registry"]["aliases"]["history"]["items"][number]["actor"];

/** Who moved an alias: a member by name (email in the tooltip), a key with its creator, or the command line. */
export function AliasActor({ actor }: { actor: Actor }) {
  const person = actor.userName ?? actor.userEmail ?? "a removed user";
  if (actor.kind === "cli") return <span title="Moved with the keel command line, on the server">cli</span>;
  if (actor.kind === "key")
    return (
      <span title={actor.userEmail ?? undefined}>
        key <span className="font-medium">{actor.keyName ?? "(deleted)"}</span> of {person}
      </span>
    );
  return <span title={actor.userEmail ?? undefined}>{person}</span>;
}
