/** A bare SSE stream for tests: the transport id and each `data:` event's text, read on demand. */
export interface RawSse {
  /** Transport id from the first event (`tid`). */
  readonly tid: string;
  /** Text of every `data:` event read so far. */
  readonly data: string[];
  /** Reads the stream until `match()` holds. */
  read(match: () => boolean): Promise<void>;
  /** Ends the stream. */
  cancel(): Promise<void>;
}

/** Opens `url` (a `{path}/sse` URL) and reads until the transport id arrived. */
export async function openRawSse(url: string): Promise<RawSse> {
  const res = await fetch(url);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const data: string[] = [];
  let tid = "";
  let buffer = "";
  const read = async (match: () => boolean) => {
    while (!match()) {
      const { value } = await reader.read();
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.includes("event: tid")) tid = block.slice(block.indexOf("data: ") + 6);
        else if (block.startsWith("data: ")) data.push(block.slice(6));
      }
    }
  };
  await read(() => tid !== "");
  return { tid, data, read, cancel: () => reader.cancel() };
}
