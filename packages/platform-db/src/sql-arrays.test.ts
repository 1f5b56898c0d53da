import { describe, expect, it } from 'vitest';
import { arrayLiteral } from './sql-arrays';

describe('arrayLiteral', () => {
  it('writes numbers bare and quotes every text, escaping quotes and backslashes, so NULL and braces stay text', () => {
    expect(arrayLiteral([1, -2, 0.000001])).toBe('{1,-2,0.000001}');
    expect(arrayLiteral(['a "b"', 'c\\d', 'x, {y}', 'NULL', ''])).toBe('{"a \\"b\\"","c\\\\d","x, {y}","NULL",""}');
    expect(arrayLiteral([])).toBe('{}');
  });

  it('nests: an array literal as an element is quoted like any text', () => {
    expect(arrayLiteral([arrayLiteral(['say "hi"']), arrayLiteral([])])).toBe('{"{\\"say \\\\\\"hi\\\\\\"\\"}","{}"}');
  });
});
