// The demo's Python-style JSON writer against strings CPython's json module prints for the
// same value (json.dumps(d) and json.dumps(d, sort_keys=True, separators=(",", ":"))):
// ledger record hashes are only reproducible if these bytes are exact.
import * as assert from 'node:assert/strict';
import { PyFloat, pythonDumps } from '../../shared/demo/pythonJson';

describe('demo Python JSON writer', () => {
  const value = { b: new PyFloat(1), a: 'é\u007f', c: [1, new PyFloat(0.25), new PyFloat(-3.5), new PyFloat(100)], d: null, e: true, k: { z: '\n\t"', y: [] } };

  it('writes json.dumps defaults: insertion order, ", " and ": ", ASCII escapes, float lexemes', () => {
    assert.equal(pythonDumps(value), '{"b": 1.0, "a": "\\u00e9\\u007f", "c": [1, 0.25, -3.5, 100.0], "d": null, "e": true, "k": {"z": "\\n\\t\\"", "y": []}}');
  });

  it('writes the sorted compact form record hashes are computed over', () => {
    assert.equal(pythonDumps(value, { sortKeys: true, compact: true }), '{"a":"\\u00e9\\u007f","b":1.0,"c":[1,0.25,-3.5,100.0],"d":null,"e":true,"k":{"y":[],"z":"\\n\\t\\""}}');
  });

  it('refuses bare JS floats and floats whose notation differs between Python and JavaScript', () => {
    assert.throws(() => pythonDumps({ x: 0.5 }), /PyFloat/);
    assert.throws(() => new PyFloat(1e20), RangeError);
    assert.throws(() => new PyFloat(1e-7), RangeError);
  });
});
