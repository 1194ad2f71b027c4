"use client";

import { useFormContext } from "react-hook-form";
import { FormField, toNumber } from "@/app/_components/form";
import { Input, Select } from "@/app/_components/ui";
import { HYPERPARAMETER_SPECS, type HyperparameterSpec, type TuningMethod } from "@/server/tuning/inputs";
import type { LaunchValues } from "./launch-schema";

/** "1 ≤ x ≤ 1000", "0 < x ≤ 1", "one of a, b". */
export function rangeText(s: HyperparameterSpec): string {
  if (s.options) return `one of ${s.options.join(", ")}`;
  const lo = s.exclusiveMinimum !== undefined ? `${s.exclusiveMinimum} < ` : s.minimum !== undefined ? `${s.minimum} ≤ ` : "";
  const hi = s.exclusiveMaximum !== undefined ? ` < ${s.exclusiveMaximum}` : s.maximum !== undefined ? ` ≤ ${s.maximum}` : "";
  return `${lo}${s.type === "integer" ? "integer" : "x"}${hi}`;
}

/**
 * The method's hyperparameters with their defaults and ranges, from the schemas the server validates
 * with (server/tuning/inputs.ts): an empty box is the server's default, or none for an optional one.
 */
export function Hyperparameters({ method }: { method: TuningMethod }) {
  const { register } = useFormContext<LaunchValues>();
  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="mb-2 text-sm font-semibold text-slate-900">Hyperparameters ({method})</legend>
      <div className="grid gap-4 sm:grid-cols-3">
        {HYPERPARAMETER_SPECS[method].map((s) => (
          <FormField
            key={`${method}.${s.name}`}
            name={`hyperparameters.${s.name}`}
            label={s.name}
            hint={`${rangeText(s)}${s.default !== undefined ? ` · default ${s.default}` : " · optional"}`}
          >
            {s.options ? (
              <Select {...register(`hyperparameters.${s.name}`)}>
                {s.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </Select>
            ) : (
              <Input
                type="number"
                step={s.type === "integer" ? 1 : "any"}
                min={s.minimum ?? s.exclusiveMinimum}
                max={s.maximum ?? s.exclusiveMaximum}
                {...register(`hyperparameters.${s.name}`, { setValueAs: toNumber })}
              />
            )}
          </FormField>
        ))}
      </div>
    </fieldset>
  );
}
