// The environment a language server is started in: the starter's own, plus a setting of glibc's
// malloc and one of V8's young generation the server's memory depends on. The editor's client and the tests' and bench's client
// start it through serverEnv(), so they measure the server users run; a cold build of the CLI
// starts itself again with it (shared/cli/mallocChild.ts).

/**
 * glibc's malloc serves a block of this size or more (128 KB, its default) with its own mmap,
 * given back to the system when freed. Left to itself, glibc raises that threshold after each
 * such block is freed, up to 32 MB, so the column copies a load makes and frees later come from
 * its heap and stay resident after they are freed: a full load of the saved index at 1M
 * artifacts ended at 1,166 MB RSS against 1,057 MB with the threshold fixed (915 MB of array
 * buffers either way), and the warm server at 100k peaked at 459-466 against 436-437 MB. Setting
 * the threshold turns that raising off. Read by glibc at the process's start only, so it must be
 * in the environment the server is spawned with; other C libraries ignore it.
 */
export const SERVER_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * V8's semi-space (half of the young generation) at most this many MB, for the main thread and
 * every worker started without a limit of its own (V8's default is 16). A build allocates mostly
 * short-lived objects (a record per file, a line's text), and a young generation grown to its
 * full size is 30-50 MB more committed heap in each thread, resident whether live or not: the
 * cold CLI build's main thread committed 75-103 MB of heap for 36-60 MB used.
 */
export const SEMI_SPACE_MB = 4;
export const SEMI_SPACE_FLAG = '--max-semi-space-size';

/**
 * `env` with SERVER_MALLOC_ENV added, and the semi-space (SEMI_SPACE_MB) before its
 * NODE_OPTIONS; a value `env` already has (the user's own tuning) is kept: V8 takes the last
 * value it is given, and node reads NODE_OPTIONS before its command line.
 */
export function serverEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env.NODE_OPTIONS ?? '';
  const nodeOptions = own.includes(SEMI_SPACE_FLAG) ? own : `${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}${own ? ' ' + own : ''}`;
  return { ...SERVER_MALLOC_ENV, ...env, NODE_OPTIONS: nodeOptions };
}
