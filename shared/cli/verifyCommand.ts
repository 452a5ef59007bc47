// Placeholder until the 'verify' command lands: says so and fails, so nothing mistakes it for done.
import { EXIT_FAILURE, type Command } from './args';

export const verifyCommand: Command = {
  summary: 'verify',
  usage: 'refscope verify',
  async run(): Promise<number> {
    process.stderr.write('refscope verify: not implemented yet\n');
    return EXIT_FAILURE;
  },
};
