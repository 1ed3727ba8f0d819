/** @dashwire/protocol: wire types, codes and codecs shared by server and client. */
export * from "./codes.js";
export * from "./messages.js";
export * from "./codec.js";
export * from "./validate.js";
export * from "./text.js";
