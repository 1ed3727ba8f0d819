/** Authentication and authorization helpers: JWT connect middleware and per-topic rules. */
export { type JwtAuthOptions, jwtAuth, jwtAuthDefaults } from "./jwt.js";
export { allOf, anyOf, hasClaim, ownTopic, type TopicRule } from "./topic-rules.js";
