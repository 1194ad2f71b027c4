export * from "./core";
export * from "./datasets";
export * from "./evals";
export * from "./logs";
export * from "./registry";
export * from "./routing";
export * from "./serving";
export * from "./workspace";
