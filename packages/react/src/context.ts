import { type AppSchema, type Client, type ClientOptions, connect, type SchemaLike } from "@dashwire/client";
import { createContext, createElement, type ReactNode, useContext, useEffect, useState } from "react";

// undefined: no provider above; null: a provider that has not made its client yet.
const DashwireContext = createContext<Client | null | undefined>(undefined);

/** Props of `DashwireProvider`: an existing `client`, or a `url` (and `options`) to connect to. */
export type DashwireProviderProps<S extends SchemaLike = AppSchema> = { children?: ReactNode } & (
  | { client: Client<S>; url?: undefined; options?: undefined }
  | { url: string; options?: ClientOptions; client?: undefined }
);

/**
 * Makes a dashwire client available to the hooks below it. With `client`, the caller owns it
 * (the provider never closes it). With `url`, the provider connects in an effect and closes the
 * client when it unmounts or `url` changes (options are read when connecting; change `url`, or
 * remount with a `key`, to reconnect with new ones). Connecting in an effect, not in render,
 * means React StrictMode's extra render and effect pass leave no stray connection: the
 * throw-away client is closed before it ever opens a socket.
 */
export function DashwireProvider<S extends SchemaLike = AppSchema>(props: DashwireProviderProps<S>): ReactNode {
  const given = props.client as Client | undefined;
  const [own, setOwn] = useState<Client | null>(null);
  const url = given === undefined ? props.url : undefined;
  const options = props.options;
  // `options` is read once per connect (see the doc above): an inline object must not reconnect.
  // biome-ignore lint/correctness/useExhaustiveDependencies: options are read once per url
  useEffect(() => {
    if (url === undefined) return;
    const client = connect(url, options);
    setOwn(client);
    return () => {
      client.close();
      setOwn((c) => (c === client ? null : c));
    };
  }, [url]);
  return createElement(DashwireContext.Provider, { value: given ?? own }, props.children);
}

/**
 * The provider's client, or null while a `url` provider is still connecting its first one.
 * Throws when there is no `DashwireProvider` above.
 */
export function useClient<S extends SchemaLike = AppSchema>(): Client<S> | null {
  const client = useContext(DashwireContext);
  if (client === undefined) throw new Error("dashwire hooks need a <DashwireProvider> above them");
  return client as Client<S> | null;
}
