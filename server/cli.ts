// The `refscope` executable: the core's commands plus `lsp`, which runs the language server
// over stdio. The server lives here rather than in shared/ because shared/ never touches
// a connection.
import { runCli } from '../shared/cli/main';
import { EXIT_USAGE, type Command } from '../shared/cli/args';
import { limitHeapGrowth, smallWorkerYoungGenerations } from '../shared/heapGrowth';

// Before any work: the old generation's growth for every command and the language server (see heapGrowth.ts).
limitHeapGrowth();

const lspCommand: Command = {
  summary: 'run the language server',
  usage: 'refscope lsp --stdio',
  async run(argv: string[]): Promise<number> {
    if (!argv.includes('--stdio')) {
      process.stderr.write('refscope lsp: only --stdio is supported\n');
      return EXIT_USAGE;
    }
    smallWorkerYoungGenerations();
    const { startServer } = require('./main') as typeof import('./main');
    startServer();
    return new Promise<number>(() => {
      /* the server owns the process until the client asks it to exit */
    });
  },
};

runCli(process.argv.slice(2), { lsp: () => lspCommand }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`refscope: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
