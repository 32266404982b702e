/**
 * Adaptive Card rendering: every view is a template in cards/*.json (version 1.5) expanded with
 * adaptivecards-templating. Code prepares data; it never builds card JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { ROOT } from '../paths';
import { compileTemplate, NeedsReference } from './card-template';

export const CARD_NAMES = [
  'welcome',
  'help',
  'message',
  'catalog-list',
  'ticket-form',
  'ticket-created',
  'ticket-status',
  'my-tickets',
  'queue-ticket',
  'queue-list',
  'notice',
  'survey',
  'metrics',
  'ticket-duplicate',
  'reopen',
  'approval-request',
  'my-approvals',
  'kb-suggestions',
  'kb-article',
  'kb-drafts',
  'kb-draft',
  'incident-declare',
  'incident-link',
  'incident-known',
  'incident-announcement',
] as const;
export type CardName = (typeof CARD_NAMES)[number];

export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version: string;
  [k: string]: unknown;
}

export class CardRenderer {
  /**
   * Also expand every card with the library and fail on any difference (the test suite turns this
   * on, so every card every test renders checks the compiled expansion against the reference).
   */
  static crossCheck = false;
  private readonly templates = new Map<CardName, { library: ACData.Template; compiled: ((root: unknown) => unknown) | null }>();

  constructor(dir = path.join(ROOT, 'cards')) {
    for (const name of CARD_NAMES) {
      const json = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
      this.templates.set(name, { library: new ACData.Template(json), compiled: compileTemplate(json) });
    }
  }

  /** Whether a card is expanded by the compiled template (else by the library alone). */
  isCompiled(name: CardName): boolean {
    return !!this.templates.get(name)?.compiled;
  }

  render(name: CardName, data: Record<string, unknown>): AdaptiveCardJson {
    const tpl = this.templates.get(name);
    if (!tpl) throw new Error(`unknown card template ${name}`);
    return finish(expand(name, tpl, data)) as AdaptiveCardJson;
  }
}

function expand(name: CardName, tpl: { library: ACData.Template; compiled: ((root: unknown) => unknown) | null }, data: Record<string, unknown>): unknown {
  if (!tpl.compiled) return tpl.library.expand({ $root: data });
  let out: unknown;
  try {
    out = tpl.compiled(data);
  } catch (err) {
    if (err instanceof NeedsReference) return tpl.library.expand({ $root: data });
    throw err;
  }
  if (CardRenderer.crossCheck) {
    const reference = JSON.stringify(tpl.library.expand({ $root: data }));
    if (JSON.stringify(out) !== reference) throw new Error(`card ${name}: the compiled template expanded differently from adaptivecards-templating:\n${JSON.stringify(out)}\n${reference}`);
  }
  return out;
}

/**
 * The expanded card made ready for Teams in one walk: what stripEmpty drops is dropped, and every
 * Action.Execute gets an Action.Submit fallback (as Microsoft recommends for clients without
 * Universal Actions): the same title, its verb and data flat in one object, so the inputs Teams
 * merges into it arrive with them (bot.ts reads such a message's `value`). A fallback of the
 * template's own is only stripped.
 */
function finish(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(finish);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  // for…in over a plain object's own keys (the expanded card is plain data): no array of pairs per node.
  const o = node as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (dropped(k, v)) continue;
    out[k] = k === 'fallback' ? stripEmpty(v) : finish(v);
  }
  if (out.type === 'Action.Execute' && typeof out.verb === 'string' && out.fallback === undefined) {
    const data = out.data && typeof out.data === 'object' ? (out.data as Record<string, unknown>) : {};
    out.fallback = {
      type: 'Action.Submit',
      title: out.title,
      data: { ...data, verb: out.verb },
      ...(out.associatedInputs ? { associatedInputs: out.associatedInputs } : {}),
    };
  }
  return out;
}

/** Drops empty action arrays and unresolved optional properties so Teams does not reject the card. */
function stripEmpty(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripEmpty);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (dropped(k, v)) continue;
      out[k] = stripEmpty(v);
    }
    return out;
  }
  return node;
}

function dropped(k: string, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if ((k === 'placeholder' || k === 'value' || k === 'maxLength' || k === 'errorMessage') && (v === '' || (typeof v === 'string' && v.startsWith('${')))) return true;
  return k === 'refresh' && typeof v === 'object' && !('action' in v);
}

/**
 * User text goes on cards only inside RichTextBlock/TextRun (never markdown-interpreted), so a
 * description with links, mentions or card syntax is shown literally. Here it is only bounded.
 */
export function plainText(text: string | undefined | null, max = 2000): string {
  if (!text) return '';
  // eslint-disable-next-line no-control-regex
  const s = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** For values placed in FactSets and TextBlocks (markdown): escape markdown and HTML. */
export function escapeMarkdown(text: string | undefined | null, max = 300): string {
  const s = plainText(text, max);
  return s.replace(/[\\`*_{}\[\]()#!|~>]/g, (c) => `\\${c}`).replace(/</g, '&lt;');
}
