/**
 * A faster expansion of the card templates in cards/*.json for the few expression forms they use,
 * giving exactly what adaptivecards-templating gives. The templates stay the single source: each is
 * compiled once from its JSON, and the library remains the reference — a template with any other
 * form is expanded by the library, and so is any one expansion that meets a value whose treatment
 * here is not certain to match (a null in running text, a property of a list, a mixed comparison).
 * Measured: the library's expression engine (adaptive-expressions) was 5-16 % of each answer.
 *
 * Forms: `${path}` (alone, or inside text), `path == literal`, `path != literal`, comparisons of
 * `count(path)` or a number with a number, `a && b` of those; `$data` bound to a path, `$when`, `$index`,
 * `$root`. Semantics follow the library: a missing field alone or in text becomes its own `${path}`
 * text, a null alone stays null, `$when` keeps an element only for `true`, an empty `$data` list drops
 * it, one element of a `$data` list stands alone, the reserved `$` keys never reach the card.
 */

/** This expansion cannot be sure to match the library's: the caller expands with the library. */
export class NeedsReference extends Error {}

/** A template part outside the forms above: the whole template is expanded by the library. */
class Unsupported extends Error {}

interface Ctx {
  readonly root: unknown;
  readonly data: unknown;
  readonly index: number | undefined;
}

type Eval = (ctx: Ctx, substitute: boolean) => unknown;
type Part = string | { path: string; get: Eval };
type Expand = (ctx: Ctx) => unknown;

const RESERVED = new Set(['$data', '$when', '$root', '$index', '$host', '$_acTemplateVersion']);
const MISSING = Symbol('missing');

/** The template compiled, or null when it uses a form the compiler does not know. */
export function compileTemplate(json: unknown): ((root: unknown) => unknown) | null {
  try {
    const expand = compileNode(json);
    return (root) => expand({ root, data: root, index: undefined });
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

function compileNode(node: unknown): Expand {
  if (typeof node === 'string') {
    if (!node.includes('${')) return () => node;
    const parts = parseInterpolated(node);
    if (parts.length === 1 && typeof parts[0] !== 'string') {
      const get = parts[0].get;
      return (ctx) => get(ctx, true);
    }
    return (ctx) => {
      let s = '';
      for (const p of parts) s += typeof p === 'string' ? p : text(p.get(ctx, true));
      return s;
    };
  }
  if (Array.isArray(node)) {
    const items = node.map(compileNode);
    return (ctx) => {
      const out: unknown[] = [];
      for (const item of items) {
        const v = item(ctx);
        if (v === null) continue;
        if (Array.isArray(v)) out.push(...v);
        else out.push(v);
      }
      return out;
    };
  }
  if (node && typeof node === 'object') return compileObject(node as Record<string, unknown>);
  return () => node;
}

function compileObject(node: Record<string, unknown>): Expand {
  const rawData = node.$data;
  const rawWhen = node.$when;
  const data = rawData === undefined ? undefined : single(rawData, '$data');
  const when = rawWhen === undefined ? undefined : single(rawWhen, '$when');
  const fields = Object.keys(node)
    .filter((k) => !RESERVED.has(k))
    .map((k) => [k, compileNode(node[k])] as const);
  const one = (ctx: Ctx): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, f] of fields) {
      const v = f(ctx);
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
  const kept = (ctx: Ctx) => !when || when(ctx, false) === true;
  if (!data && !when) return one;
  return (ctx) => {
    if (!data) return kept(ctx) ? one(ctx) : null;
    const bound = data(ctx, true);
    if (bound === null || typeof bound !== 'object') throw new NeedsReference('$data is not a list or an object');
    const list = Array.isArray(bound) ? bound : [bound];
    const out: unknown[] = [];
    let current = ctx.data;
    for (let i = 0; i < list.length; i++) {
      if (list[i] !== undefined) current = list[i];
      const inner: Ctx = { root: ctx.root, data: current, index: Array.isArray(bound) ? i : ctx.index };
      if (kept(inner)) out.push(one(inner));
    }
    return out.length === 0 ? null : out.length === 1 ? out[0] : out;
  };
}

/** A `$data` or `$when` value: exactly one expression. */
function single(raw: unknown, key: string): Eval {
  if (typeof raw !== 'string') throw new Unsupported(`${key} is not an expression`);
  const parts = parseInterpolated(raw);
  if (parts.length !== 1 || typeof parts[0] === 'string') throw new Unsupported(`${key} is not one expression`);
  return parts[0].get;
}

/** A value inside running text, as the library writes it. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  throw new NeedsReference('a value in running text that is not a string, a number or a boolean');
}

/** "text ${expr} text" → parts. */
function parseInterpolated(s: string): Part[] {
  if (s.includes('\\') || s.includes('`')) throw new Unsupported('escapes');
  const parts: Part[] = [];
  let i = 0;
  while (i < s.length) {
    const start = s.indexOf('${', i);
    if (start < 0) {
      parts.push(s.slice(i));
      break;
    }
    if (start > i) parts.push(s.slice(i, start));
    let j = start + 2;
    let quote: string | null = null;
    for (; j < s.length; j++) {
      const c = s[j];
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '{') throw new Unsupported('braces inside an expression');
      else if (c === '}') break;
    }
    if (j >= s.length) throw new Unsupported('unclosed expression');
    const source = s.slice(start + 2, j);
    parts.push({ path: source, get: compileExpression(source) });
    i = j + 1;
  }
  return parts;
}

// ---------- expressions ----------

type Token = { kind: 'path' | 'str' | 'num' | 'op' | 'lparen' | 'rparen' | 'kw'; value: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ') {
      i++;
      continue;
    }
    const rest = src.slice(i);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^(==|!=|>=|<=|&&|>|<)/))) out.push({ kind: 'op', value: m[1] });
    else if ((m = rest.match(/^'([^']*)'/))) out.push({ kind: 'str', value: m[1] });
    else if ((m = rest.match(/^(\d+)(?![\w.])/))) out.push({ kind: 'num', value: m[1] });
    else if ((m = rest.match(/^count(?=\()/))) out.push({ kind: 'kw', value: 'count' });
    else if ((m = rest.match(/^\$?[A-Za-z_][A-Za-z0-9_]*(\.\$?[A-Za-z_][A-Za-z0-9_]*)*/))) {
      if (['true', 'false', 'null', 'and', 'or', 'not'].includes(m[0])) throw new Unsupported(`keyword ${m[0]}`);
      out.push({ kind: 'path', value: m[0] });
    } else if (c === '(') out.push({ kind: 'lparen', value: c });
    else if (c === ')') out.push({ kind: 'rparen', value: c });
    else throw new Unsupported(`character ${c}`);
    i += out[out.length - 1].kind === 'str' ? out[out.length - 1].value.length + 2 : out[out.length - 1].value.length;
  }
  return out;
}

/** Parses the expression forms listed at the top; anything else is Unsupported. */
function compileExpression(src: string): Eval {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];

  // operand := path | 'str' | num | count(path)
  const operand = (): { eval: Eval; kind: 'path' | 'literal' | 'count' } => {
    const t = next();
    if (!t) throw new Unsupported('missing operand');
    if (t.kind === 'path') return { eval: pathEval(t.value), kind: 'path' };
    if (t.kind === 'str') return { eval: () => t.value, kind: 'literal' };
    if (t.kind === 'num') {
      const n = Number(t.value);
      return { eval: () => n, kind: 'literal' };
    }
    if (t.kind === 'kw' && t.value === 'count') {
      if (next()?.kind !== 'lparen') throw new Unsupported('count without (');
      const p = next();
      if (p?.kind !== 'path') throw new Unsupported('count of something but a path');
      if (next()?.kind !== 'rparen') throw new Unsupported('count without )');
      const get = pathEval(p.value);
      return {
        kind: 'count',
        eval: (ctx) => {
          const v = get(ctx, false);
          if (!Array.isArray(v)) throw new NeedsReference('count of something but a list');
          return v.length;
        },
      };
    }
    throw new Unsupported(`unexpected ${t.value}`);
  };

  // comparison := operand [op operand]
  const comparison = (): { eval: Eval; bool: boolean } => {
    const left = operand();
    const t = peek();
    if (!t || t.kind !== 'op' || t.value === '&&') {
      if (left.kind === 'count') throw new Unsupported('count alone');
      return { eval: left.eval, bool: false };
    }
    next();
    const right = operand();
    const op = t.value;
    if (op === '==' || op === '!=') {
      if (right.kind !== 'literal' && left.kind !== 'literal') throw new Unsupported('comparison of two fields');
      const eq = op === '==';
      return {
        bool: true,
        eval: (ctx) => {
          const a = left.eval(ctx, false);
          const b = right.eval(ctx, false);
          return equals(a, b) === eq;
        },
      };
    }
    // > < >= <=: numbers only (count or a numeric field against a number).
    return {
      bool: true,
      eval: (ctx) => {
        const a = left.eval(ctx, false);
        const b = right.eval(ctx, false);
        if (typeof a !== 'number' || typeof b !== 'number') throw new NeedsReference('ordering of something but numbers');
        return op === '>' ? a > b : op === '<' ? a < b : op === '>=' ? a >= b : a <= b;
      },
    };
  };

  const first = comparison();
  const terms = [first];
  while (peek()?.kind === 'op' && peek()!.value === '&&') {
    next();
    terms.push(comparison());
  }
  if (pos !== tokens.length) throw new Unsupported('trailing tokens');
  if (terms.length === 1) {
    const only = first.eval;
    const path = tokens.length === 1 && tokens[0].kind === 'path' ? tokens[0].value : null;
    if (!path) return only;
    // A field alone: a missing one becomes its own `${path}` text where the library substitutes it.
    return (ctx, substitute) => {
      const v = only(ctx, substitute);
      return v === MISSING ? (substitute ? `\${${path}}` : undefined) : v;
    };
  }
  return (ctx) => {
    for (const term of terms) {
      const v = term.eval(ctx, false);
      if (typeof v !== 'boolean') throw new NeedsReference('&& of something but booleans');
      if (!v) return false;
    }
    return true;
  };
}

/** The library's equality for the values cards compare: strings, numbers, booleans, missing. */
function equals(a: unknown, b: unknown): boolean {
  const absent = (v: unknown) => v === MISSING || v === undefined || v === null;
  if (absent(a) || absent(b)) {
    if (absent(a) && absent(b)) throw new NeedsReference('comparison of two missing values');
    return false;
  }
  if (typeof a !== typeof b || (typeof a !== 'string' && typeof a !== 'number' && typeof a !== 'boolean')) throw new NeedsReference('mixed comparison');
  return a === b;
}

/** `name.sub`, `$root.x`, `$data`, `$index`: MISSING where the library finds nothing (undefined). */
function pathEval(path: string): Eval {
  const segments = path.split('.');
  const head = segments[0];
  const rest = head.startsWith('$') ? segments.slice(1) : segments;
  if (head.startsWith('$') && !['$root', '$data', '$index'].includes(head)) throw new Unsupported(`${head}`);
  if (head === '$index' && rest.length) throw new Unsupported('$index.x');
  return (ctx) => {
    let v: unknown = head === '$root' ? ctx.root : head === '$index' ? ctx.index : ctx.data;
    for (const key of rest) {
      if (v === undefined) return MISSING;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NeedsReference('a property of something but an object');
      if (!Object.prototype.hasOwnProperty.call(v, key)) {
        if (key in v) throw new NeedsReference('an inherited property');
        return MISSING;
      }
      v = (v as Record<string, unknown>)[key];
    }
    return v === undefined ? MISSING : v;
  };
}
