import * as fs from 'node:fs';

/** A JSON file's content, or undefined when it is missing or unparseable. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
