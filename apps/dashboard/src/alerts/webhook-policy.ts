/**
 * Where webhooks may go: only to hosts the operator listed (`--webhook-hosts`). A webhook is a
 * request the server makes on a rule writer's behalf, so without a list anyone allowed to write
 * rules could make it reach what only the server can: the cloud metadata address
 * (169.254.169.254), a database's HTTP port, an admin page on localhost (server-side request
 * forgery). The default list is empty: no webhook is accepted until the operator names hosts.
 * Entries: a host name (`hooks.example.com`), `.example.com` for a domain and its subdomains,
 * an IP address as written (`127.0.0.1`, `[::1]`), or `*` for any. Redirects are not followed
 * (a listed host could otherwise send the request elsewhere). The check runs when a rule is
 * written and again before each attempt (the list may have changed since).
 */
import { hostName, normalizeAllowedHosts } from "@dashwire/server";

/** The webhook hosts the operator allows. */
export class WebhookPolicy {
  private readonly hosts: readonly string[];

  /** Throws a `TypeError` naming an entry that is not a host name or address. */
  constructor(hosts: readonly string[]) {
    this.hosts = normalizeAllowedHosts(hosts);
  }

  /** Why `url` may not be called (undefined: it may). */
  refusal(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return "not a URL";
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return "not an http:// or https:// URL";
    const name = hostName(u.host);
    if (name === undefined) return "no host";
    for (const entry of this.hosts)
      if (
        entry === "*" ||
        entry === name ||
        (entry.startsWith(".") && (name === entry.slice(1) || name.endsWith(entry)))
      )
        return undefined;
    return this.hosts.length === 0
      ? `host ${name} not allowed: no webhook host is allowed (start dashwire with --webhook-hosts ${name})`
      : `host ${name} not allowed (--webhook-hosts: ${this.hosts.join(", ")})`;
  }
}
