// Placeholder until the 'index' command lands: says so and fails, so nothing mistakes it for done.
import { EXIT_FAILURE, type Command } from './args';

export const indexCommand: Command = {
  summary: 'index',
  usage: 'refscope index',
  async run(): Promise<number> {
    process.stderr.write('refscope index: not implemented yet\n');
    return EXIT_FAILURE;
  },
};
