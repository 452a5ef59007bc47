// Placeholder until the 'trace' command lands: says so and fails, so nothing mistakes it for done.
import { EXIT_FAILURE, type Command } from './args';

export const traceCommand: Command = {
  summary: 'trace',
  usage: 'refscope trace',
  async run(): Promise<number> {
    process.stderr.write('refscope trace: not implemented yet\n');
    return EXIT_FAILURE;
  },
};
