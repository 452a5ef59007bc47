// Placeholder until the 'gc' command lands: says so and fails, so nothing mistakes it for done.
import { EXIT_FAILURE, type Command } from './args';

export const gcCommand: Command = {
  summary: 'gc',
  usage: 'refscope gc',
  async run(): Promise<number> {
    process.stderr.write('refscope gc: not implemented yet\n');
    return EXIT_FAILURE;
  },
};
