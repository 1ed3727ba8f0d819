import type { z } from "zod";
import type { FieldIssue } from "./errors.js";

/** Most issues listed in an error answer. */
export const MAX_FIELD_ISSUES = 20;

/**
 * One readable line from a zod error: the first issue, prefixed with the path of the field at
 * fault (`panels.0.kind: invalid option ...`), so API errors name the field.
 */
export function zodMessage(error: z.ZodError, prefix = ""): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid value";
  const path = [prefix, ...issue.path.map(String)].filter((p) => p !== "").join(".");
  const message = issue.message.replace(/^Invalid input: /, "");
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : "";
  return (path === "" ? message : `${path}: ${message}`) + more;
}

/** Every issue of a zod error (at most `MAX_FIELD_ISSUES`), each with the path of its field. */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, MAX_FIELD_ISSUES).map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message.replace(/^Invalid input: /, ""),
  }));
}
