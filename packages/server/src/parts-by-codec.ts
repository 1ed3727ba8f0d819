import type { Codec, Frame } from "@dashwire/protocol";
import type { Publication } from "./broker/broker.js";

/** Encodes one publication for one codec. */
export type PublicationEncoder = (pub: Publication, codec: Codec) => Frame;

/**
 * The encoded parts of one publication, at most one per codec, each made on first use (issue 19:
 * encode once per publication per codec in use). Holds as many entries as the server has codecs;
 * `clear` empties it for the next publication.
 */
export class PartsByCodec {
  private readonly codecs: Codec[] = [];
  private readonly parts: Frame[] = [];

  constructor(private readonly encode: PublicationEncoder) {}

  /** The part of `pub` for `codec`, encoded on the first ask since `clear`. */
  get(pub: Publication, codec: Codec): Frame {
    const codecs = this.codecs;
    for (let i = 0; i < codecs.length; i++) if (codecs[i] === codec) return this.parts[i] as Frame;
    const part = this.encode(pub, codec);
    codecs.push(codec);
    this.parts.push(part);
    return part;
  }

  /** Forgets the parts (the publication is delivered). */
  clear(): void {
    this.codecs.length = 0;
    this.parts.length = 0;
  }
}
