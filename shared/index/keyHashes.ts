// The keys one record answers to in the saved key index (keyIndex.ts), gathered as their
// hashes straight from the ids the store holds: a key is a prefix (TARGET, MENTION...) and a
// strings-table id or a digest id, hashed as the string `prefix + key` would be, without making
// it. A 435k-row log answers to about a million keys; making each `m:sha256:<hex>` string to
// hash it once was most of the save's key listing.
import type { DigestTable } from './digestTable';
import { KEY_HASH_SEED, keyHashOn, type KeySink } from './keyIndex';
import type { StringTable } from './stringTable';

const SHA256 = 'sha256:';
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

interface PrefixKeys {
  /** keyHashOn of the prefix, and of the prefix followed by `sha256:`. */
  hash: number;
  digestHash: number;
  /**
   * The keys added under the prefix, to add each once: strings ids, digests as -(digest id + 1)
   * (a key is one or the other: see StringTable.digestIdOf). Undefined for a prefix whose keys
   * come from one set of ids (addOnce): no set of a log's 400k keys made again.
   */
  ids: Set<number> | undefined;
  /** Keys in neither table (see addKey). */
  texts?: Set<string>;
}

export class KeyHashes {
  private readonly prefixes = new Map<string, PrefixKeys>();
  private readonly scratch = new Uint8Array(32);

  /** `out` takes the hash of each distinct key added (each key once, as the key index lists it). */
  constructor(
    private readonly strings: StringTable,
    private readonly digests: DigestTable,
    private readonly out: KeySink,
  ) {}

  /**
   * `prefix` + the key of strings id `id`, for a caller that adds every key under `prefix` this
   * way, each id once (the members of one Set): nothing is kept to find repeats.
   */
  addOnce(prefix: string, id: number): void {
    const p = this.prefix(prefix, false);
    if (p.ids) throw new Error(`keys under ${JSON.stringify(prefix)} are added one way only`);
    this.out.add(this.hashOf(p, id));
  }

  /** `prefix` + the key of strings id `id`, once. */
  addId(prefix: string, id: number): void {
    const digest = this.strings.digestIdOf(id);
    this.add(this.prefix(prefix, true), digest >= 0 ? -(digest + 1) : id);
  }

  /** `prefix` + `sha256:<hex>` of digest id `digest`, once. */
  addDigest(prefix: string, digest: number): void {
    this.add(this.prefix(prefix, true), -(digest + 1));
  }

  /**
   * `prefix` + `key`, a key held as a string (a record's run id, a blob's digest), once: the same
   * key as an id added is the same key, so it is found by id when the tables hold it.
   */
  addKey(prefix: string, key: string): void {
    const digest = key.length === 71 && key.startsWith(SHA256) ? this.digests.find(key, SHA256.length) : undefined;
    if (digest !== undefined) return this.addDigest(prefix, digest);
    const id = this.strings.find(key);
    if (id !== undefined) return this.addId(prefix, id);
    // In neither table, so no id added names it (a few such keys per record at most).
    const p = this.prefix(prefix, true);
    p.texts ??= new Set();
    if (p.texts.has(key)) return;
    p.texts.add(key);
    this.out.add(keyHashOn(p.hash, key) >>> 0);
  }

  /** Adds key `id` (a strings id, or -(digest id + 1)) under `p` unless it is there. */
  private add(p: PrefixKeys, id: number): void {
    if (p.ids!.has(id)) return;
    p.ids!.add(id);
    this.out.add(id < 0 ? this.digestHash(p, -id - 1) : keyHashOn(p.hash, this.strings.value(id)) >>> 0);
  }

  private hashOf(p: PrefixKeys, id: number): number {
    const digest = this.strings.digestIdOf(id);
    return digest >= 0 ? this.digestHash(p, digest) : keyHashOn(p.hash, this.strings.value(id)) >>> 0;
  }

  /** The hash of `prefix` + `sha256:` + the digest's 64 hex characters, from its bytes. */
  private digestHash(p: PrefixKeys, digest: number): number {
    const bytes = this.scratch;
    this.digests.copyTo(digest, bytes, 0);
    let h = p.digestHash;
    for (let i = 0; i < 32; i++) {
      h = Math.imul(h ^ HEX_CODES[bytes[i] >> 4], 0x01000193);
      h = Math.imul(h ^ HEX_CODES[bytes[i] & 15], 0x01000193);
    }
    return h >>> 0;
  }

  /** The prefix's state; `checked`: whether its keys are added through a set that finds repeats (it must be the same at every call). */
  private prefix(prefix: string, checked: boolean): PrefixKeys {
    let p = this.prefixes.get(prefix);
    if (!p) {
      const hash = keyHashOn(KEY_HASH_SEED, prefix);
      this.prefixes.set(prefix, (p = { hash, digestHash: keyHashOn(hash, SHA256), ids: checked ? new Set() : undefined }));
    }
    if (checked && !p.ids) throw new Error(`keys under ${JSON.stringify(prefix)} are added one way only`);
    return p;
  }
}
