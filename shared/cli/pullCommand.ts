// `refscope pull` (CONTRACT 4, 5): download a model into the content-addressed store of a
// state dir. Progress on stderr, the result (JSON with --json) on stdout; pull failures exit 1
// with a stable error code, bad arguments exit 2 before any request is made.
import { EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { booleanFlag, numberFlag, stringFlag } from './flagValues';
import { progressText, pullModel, PullError, validatePullOptions } from '../models';

const usage =
  'refscope pull --id ID --url URL --sha256 HEX --state DIR [--provider P] [--preflight] [--quota-mb N] [--max-mb N] [--time-budget-ms N] [--stall-timeout-ms N] [--json]';


export const pullCommand: Command = {
  summary: 'download a model into a state dir, verified by sha256',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      id: { type: 'string' },
      url: { type: 'string' },
      sha256: { type: 'string' },
      state: { type: 'string' },
      provider: { type: 'string' },
      preflight: { type: 'boolean' },
      'quota-mb': { type: 'string' },
      'max-mb': { type: 'string' },
      'time-budget-ms': { type: 'string' },
      'stall-timeout-ms': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const required = (flag: string): string => {
      const v = stringFlag(values, flag);
      if (!v) throw new UsageError(`--${flag} is required`);
      return v;
    };
    const opts = {
      stateDir: required('state'),
      id: required('id'),
      url: required('url'),
      sha256: required('sha256'),
      provider: stringFlag(values, 'provider'),
      preflight: booleanFlag(values, 'preflight'),
      quotaMb: numberFlag(values, 'quota-mb'),
      maxMb: numberFlag(values, 'max-mb'),
      timeBudgetMs: numberFlag(values, 'time-budget-ms'),
      stallTimeoutMs: numberFlag(values, 'stall-timeout-ms'),
    };
    const invalid = validatePullOptions(opts);
    if (invalid) throw new UsageError(invalid);

    // Ctrl-C cancels the pull (which removes the partial download, CONTRACT 5).
    const controller = new AbortController();
    const cancel = () => controller.abort();
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    let lastLine = 0;
    try {
      const result = await pullModel({
        ...opts,
        signal: controller.signal,
        onProgress(p) {
          const now = Date.now();
          if (p.status === 'downloading' && now - lastLine < 1000) return;
          lastLine = now;
          process.stderr.write(`refscope pull: ${progressText(p)}\n`);
        },
      });
      if (booleanFlag(values, 'json')) process.stdout.write(JSON.stringify(result) + '\n');
      else process.stdout.write(`${result.status}: ${result.id} ${result.sha256} ${result.bytes} bytes -> ${result.path}\n`);
      return EXIT_OK;
    } catch (err) {
      if (!(err instanceof PullError)) throw err;
      if (booleanFlag(values, 'json')) process.stdout.write(JSON.stringify({ error: err.code, message: err.message, ...err.details }) + '\n');
      process.stderr.write(`refscope pull: ${err.code}: ${err.message}\n`);
      return EXIT_FAILURE;
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
    }
  },
};
