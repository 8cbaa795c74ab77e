import { BrokerError } from '../errors.ts';

/**
 * SQL92 message filters as RocketMQ defines them (its SelectorParser grammar): comparisons of numbers and
 * strings, AND / OR / NOT, parentheses, [NOT] BETWEEN, [NOT] IN (strings), IS [NOT] NULL, [NOT] CONTAINS /
 * STARTSWITH / ENDSWITH, TRUE / FALSE, unary minus; no LIKE, no arithmetic. Evaluated with SQL's three-valued
 * logic over the message's user properties (and TAGS): a missing or mistyped property makes a comparison
 * unknown, so the message simply does not match. Evaluation never throws.
 */

export type Properties = Readonly<Record<string, string | undefined>>;
/** true, false, or unknown (null). */
type Truth = boolean | null;
type Value = number | string | boolean | null;
/** A compiled predicate. */
export type SqlPredicate = (props: Properties) => boolean;

type Token =
  | { kind: 'num'; value: number; at: number }
  | { kind: 'str'; value: string; at: number }
  | { kind: 'id'; value: string; at: number }
  | { kind: 'kw'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'CONTAINS', 'STARTSWITH', 'ENDSWITH']);

export function sqlError(expression: string, at: number, reason: string): BrokerError {
  return new BrokerError('INVALID_FILTER', `Invalid SQL92 filter at position ${at + 1}: ${reason} (in "${expression}")`, { position: at + 1, reason });
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (src.startsWith('--', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw sqlError(src, i, 'unterminated comment');
      i = end + 2;
    } else if (c === "'") {
      const at = i;
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw sqlError(src, at, 'unterminated string');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i];
        i++;
      }
      out.push({ kind: 'str', value: s, at });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)[lL]?/.exec(src.slice(i))!;
      out.push({ kind: 'num', value: Number(m[1]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$.]*/.exec(src.slice(i))!;
      const upper = m[0].toUpperCase();
      out.push(KEYWORDS.has(upper) ? { kind: 'kw', value: upper, at: i } : { kind: 'id', value: m[0], at: i });
      i += m[0].length;
    } else {
      const op = ['<>', '>=', '<=', '=', '>', '<', '(', ')', ',', '-'].find((o) => src.startsWith(o, i));
      if (!op) throw sqlError(src, i, `unexpected character '${c}'`);
      out.push({ kind: 'op', value: op, at: i });
      i += op.length;
    }
  }
  out.push({ kind: 'end', at: src.length });
  return out;
}

type Expr = (p: Properties) => Value;
type Cond = (p: Properties) => Truth;

function and(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}
function or(a: Truth, b: Truth): Truth {
  if (a === true || b === true) return true;
  return a === null || b === null ? null : false;
}
function not(a: Truth): Truth {
  return a === null ? null : !a;
}

/** Property values are strings on the wire: numeric comparisons apply when both sides are numbers. */
function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = typeof a === 'number' ? a : typeof a === 'string' && a.trim() !== '' ? Number(a) : NaN;
    const y = typeof b === 'number' ? b : typeof b === 'string' && b.trim() !== '' ? Number(b) : NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) return null;
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const x = typeof a === 'boolean' ? a : a === 'true' ? true : a === 'false' ? false : null;
    const y = typeof b === 'boolean' ? b : b === 'true' ? true : b === 'false' ? false : null;
    if (x === null || y === null) return null;
    return x === y ? 0 : null;
  }
  return a === b ? 0 : a < b ? -1 : 1;
}

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private isKw(v: string): boolean {
    const t = this.peek();
    return t.kind === 'kw' && t.value === v;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === v;
  }
  private fail(reason: string): never {
    throw sqlError(this.src, this.peek().at, reason);
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.fail(`expected '${v}'`);
    this.i++;
  }
  private expectKw(v: string): void {
    if (!this.isKw(v)) this.fail(`expected ${v}`);
    this.i++;
  }

  parse(): Cond {
    if (this.peek().kind === 'end') this.fail('empty expression');
    const c = this.orExpr();
    if (this.peek().kind !== 'end') this.fail('unexpected text after the expression');
    return c;
  }

  private orExpr(): Cond {
    return this.leftAssoc('OR', () => this.andExpr(), or);
  }

  private andExpr(): Cond {
    return this.leftAssoc('AND', () => this.notExpr(), and);
  }

  /** `operand (KW operand)*`, combined left to right. */
  private leftAssoc(kw: string, operand: () => Cond, combine: (a: Truth, b: Truth) => Truth): Cond {
    let left = operand();
    while (this.isKw(kw)) {
      this.i++;
      const l = left;
      const r = operand();
      left = (p) => combine(l(p), r(p));
    }
    return left;
  }

  private notExpr(): Cond {
    if (this.isKw('NOT')) {
      this.i++;
      const c = this.notExpr();
      return (p) => not(c(p));
    }
    return this.predicate();
  }

  private predicate(): Cond {
    if (this.isOp('(')) {
      // A parenthesised condition (values are never parenthesised in this grammar).
      this.i++;
      const c = this.orExpr();
      this.expectOp(')');
      return c;
    }
    const left = this.value();
    const t = this.peek();
    if (t.kind === 'op' && ['=', '<>', '>', '>=', '<', '<='].includes(t.value)) {
      this.i++;
      const right = this.value();
      const test = ({ '=': (c: number) => c === 0, '<>': (c: number) => c !== 0, '>': (c: number) => c > 0, '>=': (c: number) => c >= 0, '<': (c: number) => c < 0, '<=': (c: number) => c <= 0 } as const)[t.value as '=']!;
      return (p) => {
        const c = compare(left(p), right(p));
        return c === null ? null : test(c);
      };
    }
    if (this.isKw('IS')) {
      this.i++;
      const negate = this.isKw('NOT') ? (this.i++, true) : false;
      this.expectKw('NULL');
      return (p) => (left(p) === null) !== negate;
    }
    const negate = this.isKw('NOT') ? (this.i++, true) : false;
    let cond: Cond;
    if (this.isKw('BETWEEN')) {
      this.i++;
      const lo = this.value();
      this.expectKw('AND');
      const hi = this.value();
      cond = (p) => {
        const v = left(p);
        const a = compare(v, lo(p));
        const b = compare(v, hi(p));
        return a === null || b === null ? null : a >= 0 && b <= 0;
      };
    } else if (this.isKw('IN')) {
      this.i++;
      this.expectOp('(');
      const set = new Set<string>();
      for (;;) {
        const s = this.next();
        if (s.kind !== 'str') throw sqlError(this.src, s.at, 'IN takes a list of string literals');
        set.add(s.value);
        if (this.isOp(',')) {
          this.i++;
          continue;
        }
        this.expectOp(')');
        break;
      }
      cond = (p) => {
        const v = left(p);
        return typeof v === 'string' ? set.has(v) : null;
      };
    } else if (this.isKw('CONTAINS') || this.isKw('STARTSWITH') || this.isKw('ENDSWITH')) {
      const opTok = this.next();
      const op = opTok.kind === 'kw' ? opTok.value : '';
      const s = this.next();
      if (s.kind !== 'str') throw sqlError(this.src, s.at, `${op} takes a string literal`);
      const needle = s.value;
      cond = (p) => {
        const v = left(p);
        if (typeof v !== 'string') return null;
        return op === 'CONTAINS' ? v.includes(needle) : op === 'STARTSWITH' ? v.startsWith(needle) : v.endsWith(needle);
      };
    } else if (!negate && (left === TRUE_VALUE || left === FALSE_VALUE)) {
      return (p) => left(p) as boolean;
    } else {
      this.fail(negate ? 'expected BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT' : 'expected a comparison');
    }
    return negate ? (p) => not(cond(p)) : cond;
  }

  private value(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'num':
        return () => t.value;
      case 'str':
        return () => t.value;
      case 'id': {
        const name = t.value;
        return (p) => p[name] ?? null;
      }
      case 'kw':
        if (t.value === 'TRUE') return TRUE_VALUE;
        if (t.value === 'FALSE') return FALSE_VALUE;
        if (t.value === 'NULL') return () => null;
        break;
      case 'op':
        if (t.value === '-') {
          const n = this.next();
          if (n.kind !== 'num') throw sqlError(this.src, n.at, "expected a number after '-'");
          return () => -n.value;
        }
        break;
      case 'end':
        throw sqlError(this.src, t.at, 'unexpected end of expression');
    }
    throw sqlError(this.src, t.at, `unexpected '${'value' in t ? String(t.value) : ''}'`);
  }
}

const TRUE_VALUE: Expr = () => true;
const FALSE_VALUE: Expr = () => false;

/** Parses and compiles an expression; throws BrokerError INVALID_FILTER with the position and reason. */
export function compileSql(expression: string): SqlPredicate {
  const cond = new Parser(expression, tokenize(expression)).parse();
  return (props) => {
    try {
      return cond(props) === true;
    } catch {
      return false;
    }
  };
}
