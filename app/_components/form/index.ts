export { CheckboxList } from "./CheckboxList";
export { FormError, FormField, ZodForm } from "./Form";
export { textList } from "./textList";
export { applyServerError, emptyToUndefined, ROOT_ERROR, toNumber, useZodForm } from "./useZodForm";
