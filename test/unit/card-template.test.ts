/**
 * The compiled card templates expand exactly as adaptivecards-templating does, for every form the
 * cards use and the awkward values around them (missing fields, nulls, empty and one-element lists,
 * conditions that are not booleans); a form it does not know leaves the template to the library, and
 * a value it cannot be sure of leaves that one expansion to it.
 */
import * as ACData from 'adaptivecards-templating';
import { compileTemplate, NeedsReference } from '../../src/teams/card-template';
import { CardRenderer, CARD_NAMES } from '../../src/teams/cards';

const TEMPLATE = {
  type: 'AdaptiveCard',
  title: '${title}',
  line: 'Caso ${radicado} de ${requester.name} (${n}) ${flag} — ${$root.title} ${missing} ${requester.nope}',
  alone: { n: '${n}', zero: '${zero}', nul: '${nul}', list: '${items}', obj: '${requester}', gone: '${missing}', deep: '${requester.nope}' },
  body: [
    { type: 'TextBlock', $when: "${department != ''}", text: 'dep ${department}' },
    { type: 'TextBlock', $when: "${missing != ''}", text: 'missing differs from empty' },
    { type: 'TextBlock', $when: "${missing == ''}", text: 'never' },
    { type: 'TextBlock', $when: "${nul != ''}", text: 'null differs from empty' },
    { type: 'TextBlock', $when: "${kind == 'channel'}", text: 'channel' },
    { type: 'TextBlock', $when: "${kind == 'chat'}", text: 'chat' },
    { type: 'TextBlock', $when: '${count(items) > 0}', text: 'has items' },
    { type: 'TextBlock', $when: '${count(empty) == 0}', text: 'no items' },
    { type: 'TextBlock', $when: '${n >= 3}', text: 'three or more' },
    { type: 'TextBlock', $when: '${flag}', text: 'flag' },
    { type: 'TextBlock', $when: '${word}', text: 'a string is not true' },
    { type: 'TextBlock', $when: '${missing}', text: 'missing is not true' },
    { type: 'TextBlock', $when: "${flag && department != ''}", text: 'both' },
    { type: 'TextBlock', $when: "${flag && kind == 'chat'}", text: 'not both' },
    { type: 'Container', $data: '${items}', items: [{ type: 'TextBlock', text: '${$index}. ${label} / ${$root.title}', $when: "${label != 'skip'}" }] },
    { type: 'Container', $data: '${empty}', text: 'dropped' },
    { type: 'Container', $data: '${one}', text: 'only ${label}' },
    { type: 'Container', $data: '${requester}', text: 'for ${name}' },
  ],
  actions: [{ $data: '${items}', type: 'Action.Execute', title: '${label}', data: { i: '${$index}', verb: 'x' } }],
  single: { $data: '${one}', v: '${label}' },
  many: { $data: '${items}', v: '${label}' },
};

const DATA: Record<string, unknown>[] = [
  { title: 'Hola', radicado: 'MDA-1', requester: { name: 'Ana' }, n: 3, zero: 0, flag: true, nul: null, department: 'TI', kind: 'channel', items: [{ label: 'a' }, { label: 'skip' }, { label: 'c' }], empty: [], one: [{ label: 'solo' }], word: 'yes' },
  { title: '', radicado: '', requester: { name: '' }, n: 0, zero: 0, flag: false, nul: null, department: '', kind: 'chat', items: [], empty: [], one: [{ label: '' }], word: '' },
];

describe('compiled card templates', () => {
  test('expand exactly as adaptivecards-templating, value by value', () => {
    const compiled = compileTemplate(TEMPLATE)!;
    expect(compiled).not.toBeNull();
    const library = new ACData.Template(TEMPLATE);
    for (const data of DATA) expect(compiled(data)).toEqual(library.expand({ $root: data }));
    const first = compiled(DATA[0]) as any;
    expect(first.line).toBe('Caso MDA-1 de Ana (3) true — Hola ${missing} ${requester.nope}');
    expect(first.alone).toEqual({ n: 3, zero: 0, nul: null, list: DATA[0].items, obj: DATA[0].requester, gone: '${missing}', deep: '${requester.nope}' });
    expect(first.body.map((b: any) => b.text ?? b.items)).toContain('null differs from empty');
  });

  test('a value it cannot be sure of goes to the library (which the renderer then uses)', () => {
    const compiled = compileTemplate(TEMPLATE)!;
    expect(() => compiled({ ...DATA[0], radicado: null })).toThrow(NeedsReference); // null inside running text: the library throws
    expect(() => compiled({ ...DATA[0], items: 'not a list' })).toThrow(NeedsReference);
    expect(() => compiled({ ...DATA[0], kind: 3 })).toThrow(NeedsReference);
    expect(() => compiled({ ...DATA[0], requester: ['a'] })).toThrow(NeedsReference);
  });

  test('a form it does not know leaves the whole template to the library', () => {
    for (const text of ['${if(a, b, c)}', '${a || b}', '${!a}', '${a == true}', '${a.b == c}', '${x[0]}', '${join(a, ", ")}', 'a \\${b}']) {
      expect(compileTemplate({ type: 'TextBlock', text })).toBeNull();
    }
    expect(compileTemplate({ type: 'TextBlock', $when: 'literal' })).toBeNull();
  });

  test('every card of cards/ compiles (none is left to the slower library)', () => {
    const r = new CardRenderer();
    expect(CARD_NAMES.filter((n) => !r.isCompiled(n))).toEqual([]);
  });
});
