// What the first requests after ready would pay on first use, paid at start instead, while the
// index builds: ICU's number formatting (hovers write sizes and counts the en-US way; its first
// use took 60-90 ms of the first hover) and secretlint's rules (the first masked preview: ~20 ms).
import { maskSecrets } from '../../shared/preview/secretMasker';

export async function warmUp(): Promise<void> {
  (0).toLocaleString('en-US');
  await maskSecrets('{"note": "nothing secret here"}');
}
