import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../errors.ts';
import { compileSql } from './sql.ts';

const props = { a: '5', b: 'hello world', c: '2.5', flag: 'true', region: 'eu', TAGS: 'TagA', neg: '-3' };

describe('SQL92 filter: matching', () => {
  it.each([
    ['a = 5', true],
    ['a > 4 AND a < 6', true],
    ['a >= 5 AND a <= 5', true],
    ['a <> 5', false],
    ['a = 5L', true],
    ['c > 2.4', true],
    ['neg < -2', true],
    ['a BETWEEN 1 AND 10', true],
    ['a NOT BETWEEN 1 AND 10', false],
    ["region IN ('eu', 'us')", true],
    ["region NOT IN ('eu', 'us')", false],
    ["b CONTAINS 'lo wo'", true],
    ["b STARTSWITH 'hell'", true],
    ["b ENDSWITH 'world'", true],
    ["b NOT CONTAINS 'xyz'", true],
    ['missing IS NULL', true],
    ['a IS NOT NULL', true],
    ["region = 'eu' OR missing = 1", true],
    ["NOT (region = 'us')", true],
    ["(a = 5 OR a = 6) AND region = 'eu'", true],
    ["TAGS = 'TagA'", true],
    ['flag = TRUE', true],
    ['TRUE', true],
    ['FALSE', false],
    ["region = 'EU'", false],
    ["AND_x = 1 OR a = 5 -- trailing comment", true],
    ['/* lead */ a = 5', true],
    ["b = 'it''s'", false],
  ])('%s → %s', (expr, expected) => {
    expect(compileSql(expr)(props)).toBe(expected);
  });

  it('never throws on missing or mistyped properties: the message simply does not match', () => {
    for (const expr of ['missing > 1', "b > 3", 'missing BETWEEN 1 AND 2', "missing IN ('x')", "missing CONTAINS 'x'", 'NOT missing > 1', 'a IN (\'5\')']) {
      expect(() => compileSql(expr)(props)).not.toThrow();
    }
    expect(compileSql('missing > 1')(props)).toBe(false);
    expect(compileSql('NOT missing > 1')(props)).toBe(false); // unknown stays unknown under NOT
    expect(compileSql('b > 3')(props)).toBe(false);
    expect(compileSql("a IN ('5')")(props)).toBe(true);
  });
});

describe('SQL92 filter: malformed input', () => {
  it.each([
    ['', 'empty expression'],
    ['a =', 'unexpected end'],
    ['a = = 1', "unexpected '='"],
    ['(a = 1', "expected ')'"],
    ["a = 'open", 'unterminated string'],
    ['a LIKE 1', 'expected a comparison'],
    ['a IN (1, 2)', 'IN takes a list of string literals'],
    ["a = 1 AND", 'unexpected end'],
    ['a + 1 = 2', "unexpected character '+'"],
    ['a = 1 b', 'unexpected text after the expression'],
    ['/* never closed', 'unterminated comment'],
    ['a NOT = 1', 'expected BETWEEN, IN'],
  ])('%j is refused with the position and reason (%s)', (expr, reason) => {
    let err: unknown;
    try {
      compileSql(expr);
    } catch (e) {
      err = e;
    }
    expect(isBrokerError(err, 'INVALID_FILTER')).toBe(true);
    expect((err as Error).message).toContain(reason);
    expect((err as Error).message).toMatch(/position \d+/);
  });
});
