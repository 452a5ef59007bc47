// Placeholder until the 'show' command lands: says so and fails, so nothing mistakes it for done.
import { EXIT_FAILURE, type Command } from './args';

export const showCommand: Command = {
  summary: 'show',
  usage: 'refscope show',
  async run(): Promise<number> {
    process.stderr.write('refscope show: not implemented yet\n');
    return EXIT_FAILURE;
  },
};
