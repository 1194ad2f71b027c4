export { type LocalModel, listLocalModels } from "./catalog";
