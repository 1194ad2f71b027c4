export { CheckboxList } from "./CheckboxList";
export { FormError, FormField, ZodForm } from "./Form";
export { applyServerError, emptyToUndefined, ROOT_ERROR, toNumber, useZodForm } from "./useZodForm";
