/** @dashwire/protocol: wire types, codes and codecs, the app schema types and the retry backoff shared by every package. */
export * from "./codes.js";
export * from "./messages.js";
export * from "./codec.js";
export * from "./validate.js";
export * from "./text.js";
export * from "./backoff.js";
export type * from "./schema.js";
export * from "./data-json.js";
export * from "./binary-body.js";
export * from "./base64.js";
