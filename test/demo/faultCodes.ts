import type { FaultKind } from '../../shared/demo/faults';

/** The diagnostic code Refscope reports for each kind of fault the demo plants (its look-alikes are not reported). */
export const FAULT_CODES: Partial<Record<FaultKind, string>> = {
  'tampered-artifact': 'hash-mismatch',
  'broken-chain': 'broken-chain',
  'bad-blake3': 'digest-mismatch',
  'dangling-ref': 'dangling-ref',
  'ambiguous-ref': 'ambiguous-ref',
  'traversal-ref': 'invalid-ref',
  'manifest-outside-store': 'invalid-manifest',
};
