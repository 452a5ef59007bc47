// Writes content-addressed artifacts the way agent runtimes do (CONTRACT 1.3):
// `<root>/artifacts/<kind>/<sha256 of the bytes>.json`, bytes = canonical JSON. Writes are
// synchronous and each kind folder is created once: at 100k+ artifacts, per-file async
// round trips and repeated mkdir calls would dominate the run time.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson } from '../canonicalJson';

export interface WrittenArtifact {
  kind: string;
  hex: string;
  /** `sha256:<hex>` */
  ref: string;
  /** `<kind>/sha256:<hex>`: how nested kinds such as `prompt_templates` are referenced. */
  namespacedRef: string;
  file: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export class ArtifactWriter {
  /** Artifacts written per kind (a repeated identical write counts once: it is the same artifact). */
  readonly counts = new Map<string, number>();
  private readonly createdDirs = new Set<string>();
  private readonly written = new Set<string>();

  constructor(readonly root: string) {}

  /** The normal path: canonical JSON bytes, named by their sha256. */
  writeJson(kind: string, value: unknown): WrittenArtifact {
    return this.writeBytes(kind, Buffer.from(canonicalJson(value), 'utf8'), 'json');
  }

  /**
   * Named by the sha256 of the canonical form but stored pretty-printed: the `canonical`
   * verification state (a tool re-saved the file with indentation).
   */
  writePrettyJson(kind: string, value: unknown): WrittenArtifact {
    const canonical = canonicalJson(value);
    const pretty = JSON.stringify(JSON.parse(canonical), null, 2) + '\n';
    return this.place(kind, sha256Hex(canonical), 'json', Buffer.from(pretty, 'utf8'));
  }

  writeBytes(kind: string, bytes: Buffer, ext: string): WrittenArtifact {
    return this.place(kind, sha256Hex(bytes), ext, bytes);
  }

  /** The name an artifact would get, without writing it: for evidence that was pruned before the demo begins. */
  describe(kind: string, hex: string, ext = 'json'): WrittenArtifact {
    const file = path.join(this.root, 'artifacts', ...kind.split('/'), `${hex}.${ext}`);
    return { kind, hex, ref: `sha256:${hex}`, namespacedRef: `${kind}/sha256:${hex}`, file };
  }

  private place(kind: string, hex: string, ext: string, bytes: Buffer): WrittenArtifact {
    const artifact = this.describe(kind, hex, ext);
    if (this.written.has(artifact.file)) return artifact;
    const dir = path.dirname(artifact.file);
    if (!this.createdDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.createdDirs.add(dir);
    }
    fs.writeFileSync(artifact.file, bytes);
    this.written.add(artifact.file);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    return artifact;
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}
