// Excludes in VS Code's glob dialect (picomatch), one form at a time, against folder-relative
// paths as discovery asks them.
import * as assert from 'node:assert/strict';
import { compileExcludes } from '../../shared/index/glob';

function check(pattern: string, excluded: string[], kept: string[]): void {
  const match = compileExcludes([pattern]);
  for (const p of excluded) assert.equal(match(p), true, `${pattern} excludes ${p}`);
  for (const p of kept) assert.equal(match(p), false, `${pattern} keeps ${p}`);
}

describe('index: exclude globs', () => {
  it('a bare name matches at any depth', () => check('build', ['build', 'a/build', 'a/b/build'], ['builds', 'a/rebuild']));
  it('* stays within one segment and matches dot names', () => check('*.log', ['x.log', 'a/b/.hidden.log'], ['x.log.txt', 'log']));
  it('? is exactly one character', () => check('run_?.json', ['run_1.json', 'a/run_b.json'], ['run_12.json', 'run_.json']));
  it('** spans folders, including none', () => check('a/**/b', ['a/b', 'a/x/b', 'a/x/y/b'], ['b', 'x/a/b', 'a/xb']));
  it('a leading **/ and a trailing /** name a folder anywhere and what is under a folder', () => {
    check('**/tmp', ['tmp', 'x/tmp'], ['tmpx']);
    check('old/**', ['old/a', 'old/a/b'], ['older/a']);
  });
  it('braces list alternatives, nested forms included', () => check('{dist,out}', ['dist', 'a/out'], ['outs', 'a/dis']));
  it('braces inside a path', () => check('logs/*.{jsonl,db}', ['logs/a.jsonl', 'logs/b.db'], ['logs/a.json', 'x/logs/a.db']));
  it('character classes and ranges', () => check('data/[ab]*.json', ['data/a1.json', 'data/b.json'], ['data/c.json']));
  it('negated character classes', () => {
    check('data/[!a]*.json', ['data/b.json', 'data/z9.json'], ['data/a.json']);
    check('v[0-9]', ['v1', 'x/v9'], ['va', 'v10']);
  });
  it('a leading ./, a trailing / and Windows separators are written away', () => {
    check('./old/', ['old', 'x/old'], ['older']);
    check('old\\runs', ['old/runs'], ['old/runs2']);
  });
  it('no patterns (or blank ones) exclude nothing', () => {
    assert.equal(compileExcludes([])('a'), false);
    assert.equal(compileExcludes(['  '])('a'), false);
  });
});
