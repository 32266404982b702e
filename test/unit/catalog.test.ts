import { readFileSync } from 'fs';
import { join } from 'path';
import {
  Catalog,
  CatalogError,
  CatalogService,
  FieldDef,
  parseCatalog,
  Template,
  validateSubmission,
} from '../../src/domain/catalog';
import { PRIORITIES, Role } from '../../src/domain/types';

const SHIPPED_PATH = join(__dirname, '..', '..', 'config', 'catalog.json');
const readShipped = (): unknown => JSON.parse(readFileSync(SHIPPED_PATH, 'utf8'));

const t = (es: string, en = es) => ({ es, en });

/** A minimal valid catalog that tests mutate to provoke one error at a time. */
function minimalCatalog(): any {
  return {
    version: 1,
    contact: t('Extensión 1234 o mesadeayuda@entidad.gov.co'),
    categories: [
      {
        id: 'cat-a',
        name: t('Categoría A'),
        description: t('Descripción'),
        services: [
          {
            id: 'svc-a',
            name: t('Servicio A'),
            description: t('Descripción'),
            templates: [
              {
                id: 'tpl-a',
                name: t('Plantilla A'),
                description: t('Descripción'),
                priority: 'medium',
                fields: [
                  { id: 'first', type: 'text', label: t('Primero'), required: true },
                  { id: 'second', type: 'text', label: t('Segundo'), required: false },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

function parseError(json: unknown): CatalogError {
  try {
    parseCatalog(json);
  } catch (e) {
    if (e instanceof CatalogError) return e;
    throw e;
  }
  throw new Error('parseCatalog accepted an invalid catalog');
}

describe('the shipped catalog (config/catalog.json)', () => {
  const catalog = parseCatalog(readShipped());
  const services = catalog.categories.flatMap((c) => c.services.map((s) => ({ category: c, service: s })));
  const templates = services.flatMap(({ service }) => service.templates);
  const serviceNamed = (es: string) => services.find(({ service }) => service.name.es === es)?.service;
  const templateNamed = (es: string) => templates.find((x) => x.name.es === es);

  it('parses without errors', () => {
    expect(catalog.version).toBe(1);
  });

  it('has a contact text with an extension and an e-mail address in both languages', () => {
    expect(catalog.contact.es).toMatch(/extensión \d+/i);
    expect(catalog.contact.es).toMatch(/@entidad\.gov\.co/);
    expect(catalog.contact.en).toMatch(/extension \d+/i);
  });

  it('has the "Mesa de servicio primer nivel" category with the "Acceso remoto" service', () => {
    const category = catalog.categories.find((c) => c.name.es === 'Mesa de servicio primer nivel');
    expect(category).toBeDefined();
    expect(category!.services.map((s) => s.name.es)).toContain('Acceso remoto');
  });

  it('offers a reasonable VPN / remote desktop request form under "Acceso remoto"', () => {
    const service = serviceNamed('Acceso remoto')!;
    const vpn = service.templates.find((x) => /VPN/.test(x.name.es) && /escritorio remoto/i.test(x.name.es))!;
    expect(vpn).toBeDefined();
    expect(vpn.retired).toBeFalsy();
    expect(vpn.fields.length).toBeGreaterThanOrEqual(2);
    expect(vpn.fields.length).toBeLessThanOrEqual(4);
    const access = vpn.fields.find((f) => f.type === 'choice')!;
    expect(access.choices!.map((c) => c.label.es)).toEqual(['VPN', 'Escritorio remoto', 'Ambos']);
    expect(vpn.fields.some((f) => f.type === 'date' && f.required)).toBe(true);
    expect(vpn.fields.some((f) => f.type === 'text' && !f.required)).toBe(true);
  });

  it('has at least eight other services spread over at least four categories', () => {
    const others = services.filter(({ service }) => service.name.es !== 'Acceso remoto');
    expect(others.length).toBeGreaterThanOrEqual(8);
    expect(new Set(others.map(({ category }) => category.id)).size).toBeGreaterThanOrEqual(4);
  });

  it('gives every service between one and three templates', () => {
    for (const { service } of services) {
      expect(service.templates.length).toBeGreaterThanOrEqual(1);
      expect(service.templates.length).toBeLessThanOrEqual(3);
    }
  });

  it('restricts the account, area equipment and area folder options to heads of area and secretaries', () => {
    const restricted = (audience?: Role[]) => [...(audience ?? [])].sort();
    const expected = ['area_manager', 'secretary'];
    const account = templateNamed('Creación de cuenta para nuevo funcionario')!;
    const accountService = services.find(({ service }) => service.templates.includes(account))!.service;
    expect(restricted(account.audience).length > 0 ? restricted(account.audience) : restricted(accountService.audience)).toEqual(expected);
    expect(restricted(serviceNamed('Equipos para el área')!.audience)).toEqual(expected);
    expect(restricted(templateNamed('Permisos de carpeta compartida del área')!.audience)).toEqual(expected);
  });

  it('contains a retired template', () => {
    expect(templates.some((x) => x.retired === true)).toBe(true);
  });

  it('gives every template an SLA that is stricter for higher priorities', () => {
    for (const x of templates) {
      expect(x.sla).toBeDefined();
      expect(x.sla!.firstResponseHours).toBeLessThanOrEqual(x.sla!.resolutionHours);
    }
    const worst = (p: string) => Math.max(...templates.filter((x) => x.priority === p).map((x) => x.sla!.resolutionHours));
    const best = (p: string) => Math.min(...templates.filter((x) => x.priority === p).map((x) => x.sla!.resolutionHours));
    const used = PRIORITIES.filter((p) => templates.some((x) => x.priority === p));
    for (let i = 1; i < used.length; i++) expect(worst(used[i])).toBeLessThan(best(used[i - 1]));
  });

  it('has Spanish and English texts for every name, description and label', () => {
    const texts = [
      ...catalog.categories.flatMap((c) => [c.name, c.description]),
      ...services.flatMap(({ service }) => [service.name, service.description]),
      ...templates.flatMap((x) => [x.name, x.description, ...x.fields.map((f) => f.label)]),
    ];
    for (const text of texts) {
      expect(text.es.trim()).not.toBe('');
      expect(text.en.trim()).not.toBe('');
    }
  });

  it('lets a valid submission pass for every usable template', () => {
    const sample: Record<FieldDef['type'], (f: FieldDef) => string> = {
      text: (f) => (f.placeholder ? f.placeholder.es.split(/\s+o\s+|,/)[0] : 'Texto de prueba'),
      multiline: () => 'Línea uno\nLínea dos',
      choice: (f) => f.choices![0].value,
      date: () => '2026-03-02',
      number: (f) => String(f.min ?? 1),
      phone: () => '3001234567',
    };
    for (const x of templates.filter((y) => !y.retired)) {
      const raw: Record<string, string> = {
        description: 'No puedo trabajar desde la casa.',
        phone: '300 123 4567',
        contactChannel: 'teams',
      };
      for (const f of x.fields) raw[f.id] = sample[f.type](f);
      const result = validateSubmission(x, raw, 'es');
      expect({ id: x.id, result: result.ok ? 'ok' : result.errors }).toEqual({ id: x.id, result: 'ok' });
    }
  });
});

describe('parseCatalog', () => {
  it('accepts the minimal catalog', () => {
    expect(() => parseCatalog(minimalCatalog())).not.toThrow();
  });

  it('throws a CatalogError, a named Error with details', () => {
    const error = parseError(null);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CatalogError');
    expect(error.details.length).toBeGreaterThan(0);
  });

  it('reports duplicate ids with both places and how to fix it', () => {
    const json = minimalCatalog();
    json.categories[0].services.push({ ...json.categories[0].services[0], id: 'svc-b' });
    const error = parseError(json);
    expect(error.message).toContain('categories[0].services[1].templates[0].id');
    expect(error.message).toContain('duplicate id "tpl-a"');
    expect(error.message).toContain('categories[0].services[0].templates[0].id');
    expect(error.message).toMatch(/give each .* its own id/);
  });

  it('treats ids as one namespace across categories, services and templates', () => {
    const json = minimalCatalog();
    json.categories[0].services[0].id = 'cat-a';
    expect(parseError(json).details).toEqual([expect.stringContaining('categories[0].services[0].id: duplicate id "cat-a"')]);
  });

  it('reports a regex that does not compile with the path of the field', () => {
    const json = minimalCatalog();
    json.categories[0].services[0].templates[0].fields[1].regex = '([a-z';
    const error = parseError(json);
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toMatch(/^categories\[0\]\.services\[0\]\.templates\[0\]\.fields\[1\]\.regex: /);
    expect(error.details[0]).toContain('does not compile');
  });

  it.each(['description', 'phone', 'contactChannel', 'Description'])('rejects the reserved field id %j', (id) => {
    const json = minimalCatalog();
    json.categories[0].services[0].templates[0].fields[0].id = id;
    const error = parseError(json);
    expect(error.details[0]).toMatch(/fields\[0\]\.id: .*reserved/);
    expect(error.details[0]).toContain('rename the field');
  });

  it('reports a missing label', () => {
    const json = minimalCatalog();
    delete json.categories[0].services[0].templates[0].fields[1].label;
    expect(parseError(json).details).toEqual([
      expect.stringMatching(/^categories\[0\]\.services\[0\]\.templates\[0\]\.fields\[1\]\.label: is missing — add it/),
    ]);
  });

  it('reports an empty Spanish text but lets English fall back to Spanish', () => {
    const json = minimalCatalog();
    json.categories[0].name = { es: '  ' };
    expect(parseError(json).details[0]).toContain('categories[0].name.es');
    json.categories[0].name = { es: 'Nombre' };
    expect(parseCatalog(json).categories[0].name).toEqual({ es: 'Nombre', en: '' });
  });

  it('requires at least one choice on a choice field', () => {
    const json = minimalCatalog();
    json.categories[0].services[0].templates[0].fields[0] = { id: 'kind', type: 'choice', label: t('Tipo'), required: true, choices: [] };
    expect(parseError(json).details[0]).toContain('fields[0].choices: a choice field needs at least one choice');
  });

  it('accepts "default": "today" on a date field only', () => {
    const json = minimalCatalog();
    const fields = json.categories[0].services[0].templates[0].fields;
    fields[0] = { id: 'from', type: 'date', label: t('Desde'), required: true, default: 'today' };
    expect(parseCatalog(json).categories[0].services[0].templates[0].fields[0].default).toBe('today');
    fields[0] = { id: 'from', type: 'text', label: t('Desde'), required: true, default: 'today' };
    expect(parseError(json).details[0]).toContain('fields[0].default: only date fields take "default": "today"');
    fields[0] = { id: 'from', type: 'date', label: t('Desde'), required: true, default: 'tomorrow' };
    expect(parseError(json).details[0]).toContain('fields[0].default');
  });

  it('rejects ids that are not kebab-case slugs', () => {
    const json = minimalCatalog();
    json.categories[0].id = 'Categoría A';
    expect(parseError(json).details[0]).toMatch(/^categories\[0\]\.id: must be a kebab-case slug/);
  });

  it('rejects unknown roles in an audience and unknown keys', () => {
    const json = minimalCatalog();
    json.categories[0].services[0].audience = ['jefe'];
    json.categories[0].services[0].templates[0].requried = true;
    const { details } = parseError(json);
    expect(details).toContainEqual(expect.stringContaining('categories[0].services[0].audience[0]: "jefe" is not allowed'));
    expect(details).toContainEqual(expect.stringContaining('unknown key(s) "requried"'));
  });

  it('lists every problem, not only the first one', () => {
    const json = minimalCatalog();
    json.version = 2;
    json.categories[0].services[0].templates[0].priority = 'urgent';
    json.categories[0].services[0].templates[0].sla = { firstResponseHours: 10, resolutionHours: 2 };
    const error = parseError(json);
    expect(error.details).toHaveLength(3);
    expect(error.message).toMatch(/^Invalid catalog \(3 problems\):/);
  });
});

describe('CatalogService', () => {
  const service = new CatalogService(parseCatalog(readShipped()));
  const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
  const employee: Role[] = ['employee'];
  const manager: Role[] = ['employee', 'area_manager'];
  const secretary: Role[] = ['employee', 'secretary'];

  it('hides categories whose templates are all restricted from an employee', () => {
    expect(ids(service.categoriesFor(employee))).not.toContain('dotacion-del-area');
    expect(ids(service.categoriesFor(manager))).toContain('dotacion-del-area');
    expect(ids(service.categoriesFor(secretary))).toContain('dotacion-del-area');
  });

  it('shows restricted services to heads of area and secretaries only', () => {
    expect(ids(service.servicesFor('cuentas-y-accesos', employee))).toEqual(['contrasenas', 'carpetas-compartidas']);
    expect(ids(service.servicesFor('cuentas-y-accesos', manager))).toEqual(['contrasenas', 'cuentas-usuario', 'carpetas-compartidas']);
    expect(ids(service.servicesFor('cuentas-y-accesos', secretary))).toEqual(ids(service.servicesFor('cuentas-y-accesos', manager)));
  });

  it('shows restricted templates to heads of area and secretaries only', () => {
    expect(ids(service.templatesFor('carpetas-compartidas', employee))).toEqual(['recuperar-archivo-carpeta']);
    expect(ids(service.templatesFor('carpetas-compartidas', secretary))).toEqual(['permisos-carpeta-area', 'recuperar-archivo-carpeta']);
    expect(service.templatesFor('cuentas-usuario', employee)).toEqual([]);
  });

  it('does not give agents or supervisors the options of heads of area', () => {
    expect(service.templatesFor('cuentas-usuario', ['agent', 'supervisor'])).toEqual([]);
    expect(service.canUse('cuenta-nuevo-funcionario', ['agent', 'supervisor'])).toBe('forbidden');
  });

  it('never lists retired templates but still finds them by id', () => {
    expect(ids(service.templatesFor('acceso-remoto', manager))).toEqual(['solicitud-acceso-remoto', 'falla-conexion-vpn']);
    expect(service.findTemplate('acceso-citrix')?.retired).toBe(true);
  });

  it('lists every usable template of a category for "Ver todas las plantillas"', () => {
    const all = ids(service.allTemplatesInCategory('mesa-servicio-primer-nivel', employee));
    expect(all).toContain('solicitud-acceso-remoto');
    expect(all).toContain('falla-impresora');
    expect(all).not.toContain('acceso-citrix');
    expect(ids(service.allTemplatesInCategory('cuentas-y-accesos', employee))).not.toContain('permisos-carpeta-area');
  });

  it('returns nothing for unknown ids', () => {
    expect(service.servicesFor('no-existe', manager)).toEqual([]);
    expect(service.templatesFor('no-existe', manager)).toEqual([]);
    expect(service.allTemplatesInCategory('no-existe', manager)).toEqual([]);
    expect(service.findCategory('no-existe')).toBeUndefined();
    expect(service.findService('no-existe')).toBeUndefined();
    expect(service.locate('no-existe')).toBeUndefined();
  });

  it('locates a template in its category and service', () => {
    const loc = service.locate('solicitud-acceso-remoto')!;
    expect(loc.category.name.es).toBe('Mesa de servicio primer nivel');
    expect(loc.service.name.es).toBe('Acceso remoto');
    expect(loc.template.id).toBe('solicitud-acceso-remoto');
    expect(service.findService('acceso-remoto')).toBe(loc.service);
    expect(service.findCategory('mesa-servicio-primer-nivel')).toBe(loc.category);
  });

  it.each<[string, Role[], string]>([
    ['solicitud-acceso-remoto', ['employee'], 'ok'],
    ['permisos-carpeta-area', ['employee'], 'forbidden'],
    ['permisos-carpeta-area', ['area_manager'], 'ok'],
    ['cuenta-nuevo-funcionario', ['employee'], 'forbidden'],
    ['cuenta-nuevo-funcionario', ['secretary'], 'ok'],
    ['acceso-citrix', ['area_manager'], 'retired'],
    ['no-existe', ['employee'], 'unknown'],
    ['solicitud-acceso-remoto', [], 'ok'],
    ['solicitud-equipos-area', [], 'forbidden'],
  ])('answers canUse(%j, %j) with %j', (templateId, roles, expected) => {
    expect(service.canUse(templateId, roles)).toBe(expected);
  });

  it('exposes the contact text', () => {
    expect(service.contact.es).toContain('1234');
  });
});

describe('validateSubmission', () => {
  const catalog: Catalog = parseCatalog({
    ...minimalCatalog(),
    categories: [
      {
        ...minimalCatalog().categories[0],
        services: [
          {
            ...minimalCatalog().categories[0].services[0],
            templates: [
              {
                id: 'all-types',
                name: t('Todos los tipos'),
                description: t('Prueba'),
                priority: 'low',
                fields: [
                  { id: 'code', type: 'text', label: t('Código'), required: true, regex: '[A-Z]{3}-\\d{3}', placeholder: t('ABC-123'), maxLength: 20 },
                  { id: 'notes', type: 'multiline', label: t('Notas'), required: false },
                  { id: 'kind', type: 'choice', label: t('Tipo'), required: true, choices: [{ value: 'vpn', label: t('VPN') }, { value: 'rdp', label: t('Escritorio remoto') }] },
                  { id: 'when', type: 'date', label: t('Fecha'), required: false },
                  { id: 'count', type: 'number', label: t('Cantidad'), required: false, min: 1, max: 50 },
                  { id: 'altPhone', type: 'phone', label: t('Otro teléfono'), required: false },
                  { id: 'short', type: 'text', label: t('Corto'), required: false },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
  const template: Template = catalog.categories[0].services[0].templates[0];
  const good = (): Record<string, unknown> => ({
    code: 'ABC-123',
    kind: 'vpn',
    description: 'No me conecta la VPN desde la casa.',
    phone: '300 123 4567',
    contactChannel: 'teams',
  });

  it('accepts a valid submission and returns cleaned values, description, phone and channel', () => {
    const result = validateSubmission(template, { ...good(), when: '2024-02-29', count: '12', altPhone: '601 234 5678 ext 12', notes: '  uno\r\ndos  ' }, 'es');
    expect(result).toEqual({
      ok: true,
      values: { code: 'ABC-123', notes: 'uno\ndos', kind: 'vpn', when: '2024-02-29', count: '12', altPhone: '+57 601 234 5678 ext. 12', short: '' },
      description: 'No me conecta la VPN desde la casa.',
      phone: '+57 300 123 4567',
      contactChannel: 'teams',
    });
  });

  it('reports every missing required field in Spanish and keeps what was typed', () => {
    const result = validateSubmission(template, { kind: 'vpn', notes: 'algo' }, 'es');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      code: 'Este campo es obligatorio.',
      description: 'Este campo es obligatorio.',
      phone: 'Este campo es obligatorio.',
      contactChannel: 'Este campo es obligatorio.',
    });
    expect(result.values).toMatchObject({ kind: 'vpn', notes: 'algo', code: '', description: '', phone: '', contactChannel: '' });
  });

  it('answers in English when the locale is English', () => {
    const result = validateSubmission(template, { ...good(), code: '' }, 'en');
    expect(!result.ok && result.errors.code).toBe('This field is required.');
  });

  it('rejects a text that does not match its regex and shows the placeholder as an example', () => {
    const result = validateSubmission(template, { ...good(), code: 'abc-123' }, 'es');
    expect(!result.ok && result.errors).toEqual({ code: 'El formato no es válido. Ejemplo: ABC-123' });
    expect(!result.ok && result.values.code).toBe('abc-123');
  });

  it('rejects a text longer than its maxLength, keeps it whole and says how much to cut', () => {
    const result = validateSubmission(template, { ...good(), short: 'x'.repeat(501) }, 'es');
    expect(!result.ok && result.errors.short).toBe('Sobra 1 carácter: el máximo es 500 (escribió 501). Su texto se conservó; recórtelo y guarde de nuevo.');
    expect(!result.ok && result.values.short).toHaveLength(501);
  });

  it('keeps at most twice the limit of a very long text, and says so', () => {
    const result = validateSubmission(template, { ...good(), short: 'y'.repeat(1200) }, 'en');
    expect(!result.ok && result.values.short).toHaveLength(1000);
    expect(!result.ok && result.errors.short).toBe(
      '700 characters too many: the maximum is 500 (you wrote 1200). Your text was kept; shorten it and save again. Only the first 1000 characters fit.',
    );
  });

  it('allows 4000 characters in a multiline field by default', () => {
    expect(validateSubmission(template, { ...good(), notes: 'x'.repeat(4000) }, 'es').ok).toBe(true);
    expect(validateSubmission(template, { ...good(), notes: 'x'.repeat(4001) }, 'es').ok).toBe(false);
  });

  it('flattens newlines and tabs in single-line fields', () => {
    const result = validateSubmission(template, { ...good(), short: 'a\n\tb' }, 'es');
    expect(result.ok && result.values.short).toBe('a b');
  });

  it('strips control characters but keeps newlines and tabs in multiline fields', () => {
    const result = validateSubmission(template, { ...good(), notes: 'a\u0000b\u0007c\n\td\u001b[31m\u202e' }, 'es');
    expect(result.ok && result.values.notes).toBe('abc\n\td[31m');
  });

  it('rejects a choice that is not one of the choices', () => {
    const result = validateSubmission(template, { ...good(), kind: 'telnet' }, 'es');
    expect(!result.ok && result.errors).toEqual({ kind: 'Seleccione una de las opciones de la lista.' });
  });

  it.each(['2023-02-29', '2024-13-01', '2024-04-31', '24-01-01', '2024/01/01', '01/02/2024', 'mañana'])(
    'rejects the date %j',
    (when) => {
      const result = validateSubmission(template, { ...good(), when }, 'es');
      expect(!result.ok && result.errors.when).toBe('Escriba una fecha válida con el formato AAAA-MM-DD.');
    },
  );

  it('accepts a leap day in a leap year', () => {
    expect(validateSubmission(template, { ...good(), when: '2000-02-29' }, 'es').ok).toBe(true);
  });

  it.each<[unknown, string | undefined]>([
    ['0', 'El valor mínimo es 1.'],
    ['51', 'El valor máximo es 50.'],
    ['doce', 'Escriba un número.'],
    ['1e3', 'Escriba un número.'],
    ['12', undefined],
    [12, undefined],
    ['2,5', undefined],
  ])('checks the number %j', (count, error) => {
    const result = validateSubmission(template, { ...good(), count }, 'es');
    expect(result.ok ? undefined : result.errors.count).toBe(error);
  });

  it('normalizes a decimal comma in numbers', () => {
    const result = validateSubmission(template, { ...good(), count: '2,5' }, 'es');
    expect(result.ok && result.values.count).toBe('2.5');
  });

  it('rejects a phone that is not a valid number, in the phone field and in the reserved one', () => {
    const result = validateSubmission(template, { ...good(), phone: '+1 212 555', altPhone: '2345678' }, 'es');
    expect(!result.ok && Object.keys(result.errors).sort()).toEqual(['altPhone', 'phone']);
    expect(!result.ok && result.errors.phone).toContain('300 123 4567');
    expect(!result.ok && result.values.phone).toBe('+1 212 555');
  });

  it('accepts a valid number from abroad with its country code', () => {
    const result = validateSubmission(template, { ...good(), phone: '+1 212 555 1234', altPhone: '+34 600 123 456' }, 'es');
    expect(result.ok && [result.phone, result.values.altPhone]).toEqual(['+1 212 555 1234', '+34 600 12 34 56']);
  });

  it('requires a description of at least 10 characters', () => {
    const result = validateSubmission(template, { ...good(), description: ' No sirve ' }, 'es');
    expect(!result.ok && result.errors).toEqual({ description: 'Describa su solicitud con al menos 10 caracteres.' });
  });

  it('accepts only phone or teams as contact channel, ignoring case', () => {
    expect(validateSubmission(template, { ...good(), contactChannel: ' Phone ' }, 'es')).toMatchObject({ ok: true, contactChannel: 'phone' });
    const result = validateSubmission(template, { ...good(), contactChannel: 'carta' }, 'es');
    expect(!result.ok && result.errors.contactChannel).toBe('Elija cómo prefiere que lo contactemos: por teléfono o por Teams.');
  });

  describe('with hostile input', () => {
    it.each([null, undefined, [], ['ABC-123'], 42, 'texto', true, () => 1])('treats %p as an empty form', (raw) => {
      const result = validateSubmission(template, raw, 'es');
      expect(result.ok).toBe(false);
      expect(!result.ok && Object.keys(result.errors).sort()).toEqual(['code', 'contactChannel', 'description', 'kind', 'phone']);
      expect(!result.ok && Object.values(result.values).every((v) => v === '')).toBe(true);
    });

    it('accepts a number where a string was expected', () => {
      const result = validateSubmission(template, { ...good(), phone: 3001234567, short: 7 }, 'es');
      expect(result).toMatchObject({ ok: true, phone: '+57 300 123 4567', values: { short: '7' } });
    });

    it('rejects nested objects and arrays as values and keeps the other values', () => {
      const result = validateSubmission(template, { ...good(), code: { $gt: '' }, kind: ['vpn', 'rdp'], notes: 'se conserva' }, 'es');
      expect(!result.ok && result.errors).toEqual({
        code: 'El valor recibido no es válido. Escríbalo de nuevo.',
        kind: 'El valor recibido no es válido. Escríbalo de nuevo.',
      });
      expect(!result.ok && result.values).toMatchObject({ code: '', kind: '', notes: 'se conserva', phone: '+57 300 123 4567' });
    });

    it('survives a 1 MB string and echoes it truncated to twice each limit', () => {
      const huge = 'A'.repeat(1024 * 1024);
      const started = Date.now();
      const result = validateSubmission(template, { ...good(), code: huge, description: huge, notes: huge }, 'es');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(!result.ok && Object.keys(result.errors).sort()).toEqual(['code', 'description', 'notes']);
      expect(!result.ok && result.values.code).toHaveLength(40);
      expect(!result.ok && result.values.description).toHaveLength(8000);
      expect(!result.ok && result.values.notes).toHaveLength(8000);
    });

    it('ignores unknown keys', () => {
      const result = validateSubmission(template, { ...good(), action: 'submit', templateId: 'x', isAdmin: true }, 'es');
      expect(result.ok && Object.keys(result.values)).toEqual(['code', 'notes', 'kind', 'when', 'count', 'altPhone', 'short']);
    });

    it('ignores prototype-pollution keys and does not pollute prototypes', () => {
      const raw = JSON.parse('{"__proto__": {"polluted": "yes", "code": "ABC-123"}, "constructor": {"prototype": {"polluted": "yes"}}}');
      Object.assign(raw, good());
      delete raw.code;
      const result = validateSubmission(template, raw, 'es');
      expect(!result.ok && result.errors).toEqual({ code: 'Este campo es obligatorio.' });
      expect(({} as any).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(result.values)).toBe(Object.prototype);
    });

    it('does not read inherited properties', () => {
      const raw = Object.assign(Object.create({ code: 'ABC-123' }), good());
      delete raw.code;
      expect(validateSubmission(template, raw, 'es').ok).toBe(false);
    });

    it('survives getters that throw', () => {
      const raw = good();
      Object.defineProperty(raw, 'code', {
        enumerable: true,
        get() {
          throw new Error('boom');
        },
      });
      const result = validateSubmission(template, raw, 'es');
      expect(!result.ok && result.errors.code).toBe('Este campo es obligatorio.');
    });

    it('does not split a surrogate pair when truncating', () => {
      const result = validateSubmission(template, { ...good(), short: 'a' + '😀'.repeat(600) }, 'es');
      expect(!result.ok && result.values.short).toHaveLength(999);
      expect(!result.ok && result.values.short.endsWith('😀')).toBe(true);
    });
  });
});
