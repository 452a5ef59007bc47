// The cap on a file's diagnostics (CONTRACT 3, refscope.maxProblemsPerFile): the most severe
// first, in file order among equals, and one summary for the rest naming the worst hidden.
import * as assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver';
import type { Problem } from '../../../shared/records';
import { capDiagnostics, problemsToDiagnostics, problemToDiagnostic } from '../../../server/services/diagnostics';

const problem = (line: number, severity: Problem['severity']): Problem => ({ file: '/w/log.jsonl', line, col: 0, endCol: 5, severity, code: 'dangling-ref', message: `problem on line ${line}` });

describe('diagnostics cap', () => {
  // File order: info, warning, error, warning, error, info, warning.
  const problems = (['information', 'warning', 'error', 'warning', 'error', 'information', 'warning'] as const).map((s, line) => problem(line, s));

  it('keeps the most severe, in file order among equals, and counts the rest in one summary', () => {
    const shown = problemsToDiagnostics(problems, 3);
    assert.deepEqual(
      shown.slice(0, 3).map((d) => [d.range.start.line, d.severity]),
      [
        [2, DiagnosticSeverity.Error],
        [4, DiagnosticSeverity.Error],
        [1, DiagnosticSeverity.Warning],
      ],
    );
    const summary = shown[3];
    assert.equal(summary.code, 'too-many-problems');
    // The worst of the hidden four is a warning.
    assert.equal(summary.severity, DiagnosticSeverity.Warning);
    assert.match(String(summary.message), /^4 more problems in this file are not shown \(refscope.maxProblemsPerFile is 3\)/);
    assert.equal(shown.length, 4);
  });

  it('caps converted diagnostics the same way, and leaves a list within the cap as it is', () => {
    const all = problems.map(problemToDiagnostic);
    assert.deepEqual(capDiagnostics(all, 3), problemsToDiagnostics(problems, 3));
    assert.equal(capDiagnostics(all, 7), all);
    const hiddenInfo = capDiagnostics(all, 5);
    assert.deepEqual(hiddenInfo.slice(0, 5).map((d) => d.range.start.line), [2, 4, 1, 3, 6]);
    assert.equal(hiddenInfo[5].severity, DiagnosticSeverity.Information);
    assert.match(String(hiddenInfo[5].message), /^2 more problems/);
  });
});
