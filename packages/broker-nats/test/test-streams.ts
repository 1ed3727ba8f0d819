import { connect } from "nats";

/** Deletes the test streams `names` (and their `_LATEST` twins) from the shared NATS server. */
export async function deleteStreams(url: string, names: string[]): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for (const name of names)
      for (const stream of [name, `${name}_LATEST`]) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
