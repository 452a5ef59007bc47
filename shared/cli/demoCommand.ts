// Placeholder until the 'demo' command lands: says so and fails, so nothing mistakes it for done.
import { EXIT_FAILURE, type Command } from './args';

export const demoCommand: Command = {
  summary: 'demo',
  usage: 'refscope demo',
  async run(): Promise<number> {
    process.stderr.write('refscope demo: not implemented yet\n');
    return EXIT_FAILURE;
  },
};
