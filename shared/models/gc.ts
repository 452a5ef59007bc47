// `collectGarbage`: the one implementation behind `refscope gc` and the extension's
// "Garbage-Collect Model Store…" (CONTRACT 5). It plans first (every decision made from one
// consistent listing, so a dry run reports exactly what a real run does), then deletes,
// re-checking each victim just before unlinking it in case a pull adopted it meanwhile.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listBlobs, type BlobFile } from './blobStore';
import { lockHeld } from './digestLock';
import { GcError } from './errors';
import { appendEvent } from './events';
import { listManifestFiles, readManifestRoots, type ManifestRoots } from './manifest';
import { digestOfBlobName } from './names';
import { lockPath, storePaths, type StorePaths } from './storePaths';

export interface GcOptions {
  stateDir: string;
  ttlDays: number;
  /** After the TTL pass, delete unreferenced blobs oldest first until the store fits (MB = 10^6 bytes). */
  quotaMb?: number;
  dryRun?: boolean;
  /** Say for each blob why it stays or goes. */
  explain?: boolean;
  /** Digests that are roots besides the manifests' (the CLI passes those the workspace index references). */
  extraRoots?: Set<string>;
  /** Clock, in ms since the epoch (default: now). */
  now?: number;
}

export interface GcBlobExplanation {
  file: string;
  digest: string;
  bytes: number;
  mtime: string;
  action: 'kept' | 'deleted';
  reason: string;
}

export interface GcReport {
  scanned: number;
  kept: number;
  deleted: number;
  deleted_bytes: number;
  ttl_days: number;
  dry_run: boolean;
  kept_bytes: number;
  referenced: number;
  /** Stale partial downloads (`.part` with its `.meta`), orphan metas and temp files removed. */
  partials_deleted: number;
  partials_deleted_bytes: number;
  /** Manifests that are parseable but invalid (e.g. pointing outside by-hash/): their digests still count as roots. */
  invalid_manifests: { file: string; reason: string }[];
  quota_mb?: number;
  /** Bytes still over the quota once every unreferenced blob is gone (live blobs alone exceed it). */
  quota_shortfall_bytes?: number;
  explain?: GcBlobExplanation[];
}

const DAY_MS = 86_400_000;
const MB = 1e6;

interface Plan {
  victims: BlobFile[];
  staleParts: { files: string[]; bytes: number }[];
  reasons: Map<string, { action: 'kept' | 'deleted'; reason: string }>;
}

/** Digest -> why it is a root (first reason wins: manifests, then the index). */
function collectRoots(manifests: ManifestRoots[], extraRoots: Set<string> | undefined): Map<string, string> {
  const roots = new Map<string, string>();
  for (const m of manifests) {
    for (const d of m.digests) if (!roots.has(d)) roots.set(d, `manifest ${path.basename(m.file)}${m.invalid ? ' (invalid)' : ''}`);
  }
  for (const d of extraRoots ?? []) {
    const lower = d.toLowerCase();
    if (!roots.has(lower)) roots.set(lower, 'referenced in the workspace index');
  }
  return roots;
}

function readAllManifests(paths: StorePaths): ManifestRoots[] {
  const out: ManifestRoots[] = [];
  for (const file of listManifestFiles(paths)) {
    try {
      out.push(readManifestRoots(paths, file));
    } catch (err) {
      throw new GcError('manifest_unreadable', `cannot read manifest ${file}: ${(err as Error).message}; nothing was deleted (the root it names may be what keeps a blob alive)`, { file });
    }
  }
  return out;
}

/**
 * Leftovers past the TTL directly in `models/`: partial downloads no live pull is writing
 * (with their meta), metas whose partial is gone, and temp files of interrupted atomic writes.
 */
function listStaleLeftovers(paths: StorePaths, cutoff: number): Plan['staleParts'] {
  const out: Plan['staleParts'] = [];
  const names = new Set(fs.readdirSync(paths.modelsDir));
  const old = (file: string) => {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    return st?.isFile() && st.mtimeMs < cutoff ? st : undefined;
  };
  for (const name of names) {
    const file = path.join(paths.modelsDir, name);
    if (name.endsWith('.part')) {
      const st = old(file);
      const digest = digestOfBlobName(name.slice(0, -'.part'.length));
      if (!st || (digest && lockHeld(lockPath(paths, digest)))) continue; // young, or a pull is writing it
      out.push({ files: [file, `${file}.meta`], bytes: st.size });
    } else if ((name.endsWith('.part.meta') && !names.has(name.slice(0, -'.meta'.length))) || (name.startsWith('.') && name.endsWith('.tmp'))) {
      const st = old(file);
      if (st) out.push({ files: [file], bytes: st.size });
    }
  }
  return out;
}

/** Digests a live pull holds the lock of (one listing, not one probe per blob). */
function digestsInFlight(paths: StorePaths): Set<string> {
  const out = new Set<string>();
  for (const name of fs.readdirSync(paths.modelsDir)) {
    if (!name.endsWith('.lock')) continue;
    const digest = digestOfBlobName(name.slice(0, -'.lock'.length));
    if (digest && lockHeld(path.join(paths.modelsDir, name))) out.add(digest);
  }
  return out;
}

function plan(paths: StorePaths, blobs: BlobFile[], roots: Map<string, string>, opts: GcOptions, now: number): Plan & { shortfall?: number } {
  const cutoff = now - opts.ttlDays * DAY_MS;
  const inFlight = digestsInFlight(paths);
  const reasons: Plan['reasons'] = new Map();
  const victims: BlobFile[] = [];
  const survivors: BlobFile[] = [];
  /** Unreferenced blobs the TTL spares: what the quota pass may take, oldest first. */
  const spared: BlobFile[] = [];
  for (const b of blobs) {
    const root = roots.get(b.digest);
    if (root) reasons.set(b.name, { action: 'kept', reason: root });
    else if (inFlight.has(b.digest)) reasons.set(b.name, { action: 'kept', reason: 'a pull of this digest is in progress' });
    else if (b.mtimeMs >= cutoff) {
      reasons.set(b.name, { action: 'kept', reason: `unreferenced but younger than ${opts.ttlDays} days` });
      spared.push(b);
    } else {
      reasons.set(b.name, { action: 'deleted', reason: `unreferenced and older than ${opts.ttlDays} days` });
      victims.push(b);
      continue;
    }
    survivors.push(b);
  }
  let shortfall: number | undefined;
  if (opts.quotaMb !== undefined) {
    const quota = opts.quotaMb * MB;
    let total = survivors.reduce((s, b) => s + b.size, 0);
    spared.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
    for (const b of spared) {
      if (total <= quota) break;
      reasons.set(b.name, { action: 'deleted', reason: `unreferenced, oldest first, to fit the quota of ${opts.quotaMb} MB` });
      victims.push(b);
      total -= b.size;
    }
    shortfall = Math.max(0, total - quota);
  }
  return { victims, staleParts: listStaleLeftovers(paths, cutoff), reasons, shortfall };
}

/** Still safe to delete: same file, not adopted by a pull (which touches the blob or holds its lock). */
function stillVictim(paths: StorePaths, b: BlobFile): boolean {
  const st = fs.lstatSync(b.path, { throwIfNoEntry: false });
  return !!st && st.isFile() && st.mtimeMs === b.mtimeMs && !lockHeld(lockPath(paths, b.digest));
}

export async function collectGarbage(opts: GcOptions): Promise<GcReport> {
  if (!Number.isFinite(opts.ttlDays) || opts.ttlDays < 0) throw new GcError('invalid_args', 'ttl_days must be a non-negative number');
  if (opts.quotaMb !== undefined && (!Number.isFinite(opts.quotaMb) || opts.quotaMb < 0)) throw new GcError('invalid_args', 'the quota must be a non-negative number of MB');
  const paths = storePaths(opts.stateDir);
  for (const dir of [paths.modelsDir, paths.byHashDir]) {
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) throw new GcError('invalid_args', `${opts.stateDir} is not a model store: ${dir} does not exist`);
    if (!st.isDirectory()) throw new GcError('unsafe_store', `${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: GC never follows links out of the store`);
  }
  const now = opts.now ?? Date.now();
  const manifests = readAllManifests(paths);
  const roots = collectRoots(manifests, opts.extraRoots);
  const { blobs } = listBlobs(paths);
  const p = plan(paths, blobs, roots, opts, now);

  let deleted = 0;
  let deletedBytes = 0;
  let partsDeleted = 0;
  let partsBytes = 0;
  for (const b of p.victims) {
    if (!opts.dryRun) {
      if (!stillVictim(paths, b)) {
        p.reasons.set(b.name, { action: 'kept', reason: 'adopted by a pull while GC ran' });
        continue;
      }
      fs.rmSync(b.path, { force: true });
    }
    deleted++;
    deletedBytes += b.size;
  }
  for (const s of p.staleParts) {
    if (!opts.dryRun) for (const f of s.files) fs.rmSync(f, { force: true });
    partsDeleted++;
    partsBytes += s.bytes;
  }

  const keptBlobs = blobs.filter((b) => p.reasons.get(b.name)?.action === 'kept');
  const report: GcReport = {
    scanned: blobs.length,
    kept: keptBlobs.length,
    deleted,
    deleted_bytes: deletedBytes,
    ttl_days: opts.ttlDays,
    dry_run: !!opts.dryRun,
    kept_bytes: keptBlobs.reduce((s, b) => s + b.size, 0),
    referenced: blobs.filter((b) => roots.has(b.digest)).length,
    partials_deleted: partsDeleted,
    partials_deleted_bytes: partsBytes,
    invalid_manifests: manifests.filter((m) => m.invalid).map((m) => ({ file: m.file, reason: m.invalid! })),
  };
  if (opts.quotaMb !== undefined) {
    report.quota_mb = opts.quotaMb;
    report.quota_shortfall_bytes = p.shortfall ?? 0;
  }
  if (opts.explain) {
    report.explain = blobs.map((b) => ({
      file: b.name,
      digest: b.digest,
      bytes: b.size,
      mtime: new Date(b.mtimeMs).toISOString(),
      ...p.reasons.get(b.name)!,
    }));
  }
  // A dry run changes nothing, the event log included.
  if (!opts.dryRun) {
    const summary: Partial<GcReport> = { ...report };
    delete summary.explain;
    appendEvent(paths, 'models.cas.gc', summary);
  }
  return report;
}
