// Placeholder until the 'pull' command lands: says so and fails, so nothing mistakes it for done.
import { EXIT_FAILURE, type Command } from './args';

export const pullCommand: Command = {
  summary: 'pull',
  usage: 'refscope pull',
  async run(): Promise<number> {
    process.stderr.write('refscope pull: not implemented yet\n');
    return EXIT_FAILURE;
  },
};
