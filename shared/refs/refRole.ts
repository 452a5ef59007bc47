// What a digest found in text is (CONTRACT 1.8), decided by the JSON key it stands under:
// a pointer (names something that should be stored: dangling when it resolves to nothing),
// a fingerprint (names bytes that need not be stored: links when it resolves, never a problem
// otherwise) or a run id (names a run). Free text, namespaced refs and object refs are pointers.
import type { RefRole } from '../records';

/** Extra key names from the settings `refscope.pointerKeys` / `refscope.fingerprintKeys`: exact names or `*suffix` patterns. */
export interface KeyLists {
  pointerKeys?: string[];
  fingerprintKeys?: string[];
}

const RUN_KEYS = ['run_id', 'runId'];
const POINTER_KEYS = ['ref', 'refs', '*_ref', '*_refs', '*Ref', '*Refs'];
const FINGERPRINT_KEYS = ['hash', 'prev_hash', '*_hash', '*Hash', 'digest', '*_digest', 'sha256', '*_sha256', 'checksum', 'etag', 'id', '*_id', '*Id'];

class KeyList {
  readonly exact = new Set<string>();
  readonly suffixes: string[] = [];

  constructor(patterns: readonly string[]) {
    for (const p of patterns) {
      if (p.startsWith('*')) {
        if (p.length > 1) this.suffixes.push(p.slice(1));
      } else if (p) this.exact.add(p);
    }
  }

  endsWithOne(key: string): boolean {
    return this.suffixes.some((s) => key.length > s.length && key.endsWith(s));
  }
}

/** Settings that are not lists of non-empty strings are ignored (client input). */
function names(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];
}

/** The key lists as given (checked), in a stable form for cache keys and worker messages. */
export function keyLists(raw: { pointerKeys?: unknown; fingerprintKeys?: unknown } | undefined): KeyLists {
  const pointerKeys = names(raw?.pointerKeys);
  const fingerprintKeys = names(raw?.fingerprintKeys);
  return { ...(pointerKeys.length ? { pointerKeys } : {}), ...(fingerprintKeys.length ? { fingerprintKeys } : {}) };
}

/**
 * Decides a key's role. Exact names beat suffix patterns, and the user's lists beat the
 * built-in ones, so `"parent_hash"` in `refscope.pointerKeys` makes that key a pointer although
 * `*_hash` is a fingerprint pattern. A key in no list holds a pointer: a digest under a key
 * nobody described (`compared_with`, `baseline`) is most likely meant to be followed.
 */
export class KeyRules {
  private readonly userPointer: KeyList;
  private readonly userFingerprint: KeyList;
  private readonly pointer = new KeyList(POINTER_KEYS);
  private readonly fingerprint = new KeyList(FINGERPRINT_KEYS);
  private readonly run = new Set(RUN_KEYS);
  /** Keys recur (a log repeats the same few on every line): each is decided once. */
  private readonly memo = new Map<string, RefRole>();

  constructor(readonly lists: KeyLists = {}) {
    this.userPointer = new KeyList(lists.pointerKeys ?? []);
    this.userFingerprint = new KeyList(lists.fingerprintKeys ?? []);
  }

  roleOf(key: string | undefined): RefRole {
    if (key === undefined) return 'pointer';
    let role = this.memo.get(key);
    if (role === undefined) {
      role = this.decide(key);
      if (this.memo.size < 4096) this.memo.set(key, role);
    }
    return role;
  }

  private decide(key: string): RefRole {
    if (this.userPointer.exact.has(key)) return 'pointer';
    if (this.userFingerprint.exact.has(key)) return 'fingerprint';
    if (this.run.has(key)) return 'run';
    if (this.pointer.exact.has(key)) return 'pointer';
    if (this.fingerprint.exact.has(key)) return 'fingerprint';
    if (this.userPointer.endsWithOne(key)) return 'pointer';
    if (this.userFingerprint.endsWithOne(key)) return 'fingerprint';
    if (this.pointer.endsWithOne(key)) return 'pointer';
    if (this.fingerprint.endsWithOne(key)) return 'fingerprint';
    return 'pointer';
  }
}

export const DEFAULT_KEY_RULES = new KeyRules();

let lastRules: KeyRules | undefined;

/** Rules for `lists`, sharing the default instance when nothing is added, and the last one made (with its memo) for the same lists. */
export function keyRulesFor(lists: KeyLists | undefined): KeyRules {
  if (!lists || !(lists.pointerKeys?.length || lists.fingerprintKeys?.length)) return DEFAULT_KEY_RULES;
  if (lastRules && JSON.stringify(lastRules.lists) === JSON.stringify(lists)) return lastRules;
  return (lastRules = new KeyRules(lists));
}
