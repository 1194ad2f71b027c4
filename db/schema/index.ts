export * from "./core";
export * from "./workspace";
