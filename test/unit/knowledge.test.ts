/**
 * The knowledge base's pure parts: search relevance measured on the repository's query set (with
 * the figure asserted), the deflection rule, personal data taken out of drafts, and the articles'
 * files validated with fix-it messages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalog } from '../../src/config-files';
import { deflectionReport, type Filing } from '../../src/domain/knowledge/deflection';
import { slugOf, stripPersonalData } from '../../src/domain/knowledge/draft';
import type { Article, KnowledgeEvent } from '../../src/domain/knowledge/model';
import { ArticleIndex, terms } from '../../src/domain/knowledge/search';
import { KnowledgeConfigError, loadKnowledge } from '../../src/knowledge-files';

const ROOT = path.resolve(__dirname, '../..');
const catalog = loadCatalog(path.join(ROOT, 'config/catalog.json'));
const files = loadKnowledge(path.join(ROOT, 'config/knowledge'), catalog, true);
const articles: Article[] = files.map((f) => ({ ...f, version: 1, state: 'published', author: { name: f.author }, createdAt: f.updatedAt, source: 'file' }));
const index = new ArticleIndex(articles);
const relevance: { query: string; locale: 'es' | 'en'; best: string[] }[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/knowledge-relevance.json'), 'utf8'));
const noAnswer: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/knowledge-no-answer.json'), 'utf8'));

describe('knowledge-base search', () => {
  it('ships 12–20 realistic articles, each answering at least three queries of the relevance set', () => {
    expect(articles.length).toBeGreaterThanOrEqual(12);
    expect(articles.length).toBeLessThanOrEqual(20);
    for (const a of articles) expect(relevance.filter((q) => q.best.includes(a.id)).length).toBeGreaterThanOrEqual(3);
  });

  it('finds the right article in the top 3 for at least 90 % of 60+ queries people type (measured: 100 % top-3, 92 % top-1)', () => {
    expect(relevance.length).toBeGreaterThanOrEqual(60);
    let top1 = 0;
    let top3 = 0;
    const misses: string[] = [];
    for (const q of relevance) {
      const ids = index.search(q.query, { locale: q.locale, limit: 3 }).map((h) => h.article.id);
      if (q.best.includes(ids[0])) top1++;
      if (ids.some((id) => q.best.includes(id))) top3++;
      else misses.push(`${q.query} → ${ids.join(', ')}`);
    }
    const rate3 = (100 * top3) / relevance.length;
    const rate1 = (100 * top1) / relevance.length;
    // The figures the README reports; a change to the index or the articles that lowers them fails here, naming the misses.
    expect({ rate3: rate3 >= 90, misses: misses.length <= relevance.length / 10 ? [] : misses }).toEqual({ rate3: true, misses: [] });
    expect(rate1).toBeGreaterThanOrEqual(85);
  });

  it('offers an article before filing for every query of the set, and nothing for most questions it cannot answer', () => {
    const offered = relevance.filter((q) => index.suggest(q.query, { locale: q.locale }).some((h) => q.best.includes(h.article.id)));
    expect(offered.length / relevance.length).toBeGreaterThanOrEqual(0.95);
    for (const q of relevance) expect(index.suggest(q.query, { locale: q.locale }).length).toBeLessThanOrEqual(3);
    const silent = noAnswer.filter((q) => index.suggest(q, { locale: 'es' }).length === 0);
    expect(silent.length).toBeGreaterThanOrEqual(8);
  });

  it('folds case and accents, stems Spanish and tolerates typos', () => {
    expect(terms('Contraseñas BLOQUEADAS', 'es')).toEqual(terms('contraseña bloqueada', 'es'));
    expect(terms('conexión', 'es')).toEqual(terms('conexion', 'es'));
    expect(index.search('impresroa no imprime', { locale: 'es' })[0].article.id).toBe('impresora-no-imprime');
    expect(index.search('outlok no sincroniza', { locale: 'es' })[0].article.id).toBe('outlook-no-sincroniza');
    expect(index.search('', { locale: 'es' })).toEqual([]);
    expect(index.search('de la el', { locale: 'es' })).toEqual([]);
  });

  it('ranks the form\'s service first and searches only published articles', () => {
    const draft: Article = { ...articles[0], id: 'borrador-vpn', state: 'draft', title: 'VPN borrador' };
    const withDraft = new ArticleIndex([...articles, draft]);
    expect(withDraft.search('vpn borrador').map((h) => h.article.id)).not.toContain('borrador-vpn');
    // "no me deja entrar" fits several articles; on the VPN form, the remote-access one comes first.
    const forService = index.search('no me deja entrar', { locale: 'es', serviceIds: ['acceso-remoto'] })[0].article;
    expect(forService.serviceIds).toContain('acceso-remoto');
    const forPasswords = index.search('no me deja entrar', { locale: 'es', serviceIds: ['contrasenas'] })[0].article;
    expect(forPasswords.serviceIds).toContain('contrasenas');
  });
});

describe('deflection', () => {
  const at = (d: string) => new Date(`${d}T15:00:00Z`);
  const byId = new Map(articles.map((a) => [a.id, a]));
  const answered = (oid: string, day: string, serviceId?: string): KnowledgeEvent => ({ kind: 'answered', articleId: 'vpn-no-conecta', oid, at: at(day), serviceId });

  it('counts an answer only when the person files no case for the service within 7 days', () => {
    const events = [answered('ana', '2026-11-02', 'acceso-remoto'), answered('sara', '2026-11-02'), answered('luis', '2026-11-02', 'acceso-remoto'), answered('eva', '2026-11-20')];
    const filings: Filing[] = [
      { oid: 'sara', serviceId: 'acceso-remoto', createdAt: at('2026-11-06') }, // within 7 days: filed anyway
      { oid: 'luis', serviceId: 'impresoras', createdAt: at('2026-11-03') }, // another service: still deflected
      { oid: 'ana', serviceId: 'acceso-remoto', createdAt: at('2026-11-10') }, // after the 7 days: still deflected
    ];
    const r = deflectionReport(events, filings, byId, at('2026-11-22'));
    expect(r).toMatchObject({ answers: 4, deflected: 2, pending: 1, rate: 66.7 });
    expect(r.filedAnyway).toEqual([{ articleId: 'vpn-no-conecta', title: 'La VPN no conecta (FortiClient)', count: 1 }]);
  });

  it('counts the 7 days exactly, and a case filed before the answer does not count', () => {
    const events = [answered('ana', '2026-11-02', 'acceso-remoto')];
    const sevenDays = new Date(at('2026-11-02').getTime() + 7 * 86_400_000);
    expect(deflectionReport(events, [{ oid: 'ana', serviceId: 'acceso-remoto', createdAt: sevenDays }], byId, at('2026-11-20')).deflected).toBe(0);
    expect(deflectionReport(events, [{ oid: 'ana', serviceId: 'acceso-remoto', createdAt: new Date(sevenDays.getTime() + 1) }], byId, at('2026-11-20')).deflected).toBe(1);
    expect(deflectionReport(events, [{ oid: 'ana', serviceId: 'acceso-remoto', createdAt: at('2026-11-01') }], byId, at('2026-11-20')).deflected).toBe(1);
    expect(deflectionReport(events, [], byId, new Date(sevenDays.getTime() - 1))).toMatchObject({ deflected: 0, pending: 1, rate: null });
  });

  it('lists searches with no result by frequency, folded', () => {
    const miss = (q: string): KnowledgeEvent => ({ kind: 'no_result', query: q, oid: 'x', at: at('2026-11-02') });
    const r = deflectionReport([miss('Certificado  de salud'), miss('certificado de salúd'), miss('vacaciones')], [], byId, at('2026-11-03'));
    expect(r.noResult).toEqual([{ query: 'certificado de salud', count: 2 }, { query: 'vacaciones', count: 1 }]);
  });
});

describe('drafts from a case', () => {
  it('takes out e-mail addresses, phones, document numbers, IPs, radicados and the names on the case', () => {
    const text = 'Soy Ana María Empleada, cel 310 555 1234 o (601) 345 6789, ana.maria@entidad.gov.co, C.C. 52.123.456, equipo 10.2.3.44, ver MDA-2026-000123.';
    const out = stripPersonalData(text, { names: ['Ana María Empleada'], radicadoPrefix: 'MDA' });
    for (const s of ['Ana', 'María', 'Empleada', '310 555 1234', '345 6789', 'ana.maria', '52.123.456', '10.2.3.44', 'MDA-2026-000123']) expect(out).not.toContain(s);
    expect(out).toContain('[dato personal]');
    expect(out).toContain('equipo');
    expect(stripPersonalData('Reinicie el equipo y abra FortiClient 7.2.', {})).toBe('Reinicie el equipo y abra FortiClient 7.2.');
  });

  it('makes ids from titles', () => {
    expect(slugOf('¿Cómo restablezco la contraseña?')).toBe('como-restablezco-la-contrasena');
    expect(slugOf('!!!')).toBe('articulo');
  });
});

describe('the articles\' files', () => {
  const write = (files: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-kb-'));
    for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
    return dir;
  };
  const ok = '---\ntitle: "Un artículo"\nlocale: es\nkeywords: [vpn]\nservices: [acceso-remoto]\nupdated: 2026-10-15\n---\nUn texto de más de veinte letras para el artículo.\n';

  it('reads a valid folder, and an absent one is an empty base unless KNOWLEDGE_DIR names it', () => {
    expect(loadKnowledge(write({ 'uno.md': ok }), catalog, true).map((a) => [a.id, a.title, a.serviceIds])).toEqual([['uno', 'Un artículo', ['acceso-remoto']]]);
    expect(loadKnowledge('/nonexistent/kb', catalog, false)).toEqual([]);
    expect(() => loadKnowledge('/nonexistent/kb', catalog, true)).toThrow(/KNOWLEDGE_DIR \/nonexistent\/kb does not exist/);
  });

  it('stops with one fix-it line per problem', () => {
    const dir = write({
      'Mal Nombre.md': ok,
      'sin-front.md': 'Solo texto.',
      'servicio.md': ok.replace('[acceso-remoto]', '[no-existe]'),
      'titulo.md': ok.replace('title: "Un artículo"\n', ''),
      'encabezado.md': ok.replace('Un texto', '# Título\nUn texto'),
      'yaml.md': '---\ntitle: [\n---\nUn texto de más de veinte letras.',
    });
    try {
      loadKnowledge(dir, catalog, true);
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(KnowledgeConfigError);
      const p = (err as KnowledgeConfigError).problems.join('\n');
      expect(p).toMatch(/Mal Nombre\.md: rename the file/);
      expect(p).toMatch(/sin-front\.md: start the file with a front matter block/);
      expect(p).toMatch(/servicio\.md: services no-existe are not in the catalog/);
      expect(p).toMatch(/titulo\.md: title: Required/);
      expect(p).toMatch(/encabezado\.md: headings \(#\) do not render/);
      expect(p).toMatch(/yaml\.md: the front matter is not valid YAML/);
    }
  });
});
