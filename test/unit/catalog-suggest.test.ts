import { readFileSync } from 'fs';
import { join } from 'path';
import { CatalogError, CatalogService, parseCatalog, suggestTemplates } from '../../src/domain/catalog';

const shipped = () => JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'catalog.json'), 'utf8'));
const catalog = new CatalogService(parseCatalog(shipped()));
const ids = (text: string, roles: Parameters<typeof suggestTemplates>[1] = ['employee']) => suggestTemplates(catalog, roles, text).map((s) => s.template.id);

describe('suggestTemplates: a problem in the user\'s words → catalog templates', () => {
  it.each([
    ['no me funciona la impresora', 'falla-impresora'],
    ['no puedo entrar al correo', 'falla-correo'],
    ['no me conecta la VPN', 'falla-conexion-vpn'],
    ['buenos días, mi computador no prende', 'falla-equipo'],
    ['olvidé mi contraseña', 'restablecer-contrasena'],
    ['se me bloqueó la cuenta', 'desbloqueo-cuenta'],
    ['necesito instalar Visio', 'instalar-software-licenciado'],
    ['el teléfono no tiene tono', 'falla-telefono'],
    ['se me borró un archivo del OneDrive', 'recuperar-archivo-onedrive'],
    ['no me funsiona la imprsora', 'falla-impresora'],
    ['my laptop won\'t turn on', 'falla-equipo'],
    ['I can\'t connect to the VPN', 'falla-conexion-vpn'],
    ['forgot my password', 'restablecer-contrasena'],
  ])('offers %j first as %s, with at most three options', (text, first) => {
    const found = ids(text);
    expect(found[0]).toBe(first);
    expect(found.length).toBeLessThanOrEqual(3);
    expect(new Set(found).size).toBe(found.length);
  });

  it('offers only what the roles may use', () => {
    // "Acceso a buzón compartido" and "Permisos de carpeta compartida del área" are for heads of area and secretaries.
    expect(ids('necesito acceso al buzón compartido de correspondencia')).not.toContain('acceso-buzon-compartido');
    expect(ids('necesito acceso al buzón compartido de correspondencia', ['area_manager'])[0]).toBe('acceso-buzon-compartido');
    expect(ids('I need access to the shared folder', ['secretary'])).toContain('permisos-carpeta-area');
    expect(ids('I need access to the shared folder')).not.toContain('permisos-carpeta-area');
  });

  it('never offers a retired template', () => {
    expect(ids('necesito acceso por citrix')).not.toContain('acceso-citrix');
  });

  it('offers nothing when nothing in the catalog fits, or for empty or odd input', () => {
    expect(ids('quién ganó el partido anoche')).toEqual([]);
    expect(ids('')).toEqual([]);
    expect(ids('!!!')).toEqual([]);
    expect(suggestTemplates(catalog, ['employee'], undefined as unknown as string)).toEqual([]);
    expect(ids('impresora '.repeat(10_000)).length).toBeGreaterThan(0);
  });
});

describe('catalog keywords', () => {
  it('are optional, and every template of the shipped catalog but the retired one has some', () => {
    for (const c of catalog.catalog.categories) {
      for (const s of c.services) for (const t of s.templates) if (!t.retired) expect({ id: t.id, n: (t.keywords ?? []).length > 0 }).toEqual({ id: t.id, n: true });
    }
  });

  function withKeywords(keywords: unknown): unknown {
    const json = shipped();
    json.categories[0].services[0].templates[0].keywords = keywords;
    return json;
  }

  it.each([
    [['vpn', ''], 'keywords[1]', 'a keyword is empty'],
    [['x'.repeat(61)], 'keywords[0]', 'longer than 60 characters'],
    [Array.from({ length: 41 }, (_, i) => `palabra ${i}`), 'keywords', 'more than 40 keywords'],
    [['Contraseña', 'contrasena'], 'keywords[1]', 'duplicate keyword "contrasena" (also keywords[0]'],
    ['vpn', 'keywords', 'expected array but found string'],
  ])('refuse %j with a message that says where and how to fix it', (keywords, where, message) => {
    let error: unknown;
    try {
      parseCatalog(withKeywords(keywords));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogError);
    const details = (error as CatalogError).details.join('\n');
    expect(details).toContain(`categories[0].services[0].templates[0].${where}`);
    expect(details).toContain(message);
  });
});
