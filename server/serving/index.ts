export { type LocalModel, listLocalModels } from "./catalog";
export { embedTexts } from "./embed-texts";
