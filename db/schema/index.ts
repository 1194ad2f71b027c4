export * from "./core";
export * from "./logs";
export * from "./workspace";
