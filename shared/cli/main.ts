// The `refscope` command line (CONTRACT 4). Each subcommand is its own module, loaded only
// when invoked so `refscope show` does not pay for the pull or GC code.
import { EXIT_FAILURE, EXIT_USAGE, UsageError, type Command } from './args';

const commands: Record<string, () => Command> = {
  index: () => require('./indexCommand').indexCommand,
  show: () => require('./showCommand').showCommand,
  trace: () => require('./traceCommand').traceCommand,
  diff: () => require('./diffCommand').diffCommand,
  verify: () => require('./verifyCommand').verifyCommand,
  demo: () => require('./demoCommand').demoCommand,
  pull: () => require('./pullCommand').pullCommand,
  gc: () => require('./gcCommand').gcCommand,
};

export async function runCli(argv: string[], extraCommands: Record<string, () => Command> = {}): Promise<number> {
  const [name, ...rest] = argv;
  const all = { ...commands, ...extraCommands };
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(Object.values(all).map((load) => load().usage).join('\n') + '\n');
    return name ? 0 : EXIT_USAGE;
  }
  const load = all[name];
  if (!load) {
    process.stderr.write(`refscope: unknown command '${name}'\n`);
    return EXIT_USAGE;
  }
  const command = load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`refscope ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`refscope ${name}: ${(err as Error).stack ?? err}\n`);
    return EXIT_FAILURE;
  }
}
