import { awayEnd, departmentKey, describeRule, parseRule } from '../../src/domain/approvals/policy';
import { CatalogError, CatalogService, parseCatalog } from '../../src/domain/catalog';

const t = (es: string, en = es) => ({ es, en });
const field = { id: 'mailbox', type: 'text', label: t('Buzón'), required: true };

/** A catalog with one service of two templates; `tpl-b` and the service take the given approvals. */
function catalogWith(approvals: { service?: unknown; a?: unknown; b?: unknown } = {}): any {
  const tpl = (id: string, approval: unknown) => ({
    id,
    name: t(`Plantilla ${id}`),
    description: t('Descripción'),
    priority: 'medium',
    fields: [field],
    ...(approval === undefined ? {} : { approval }),
  });
  return {
    version: 1,
    contact: t('Extensión 1234'),
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
            ...(approvals.service === undefined ? {} : { approval: approvals.service }),
            templates: [tpl('tpl-a', approvals.a), tpl('tpl-b', approvals.b)],
          },
          { id: 'svc-b', name: t('Servicio B'), description: t('Descripción'), templates: [tpl('tpl-c', undefined)] },
        ],
      },
    ],
  };
}

function problems(json: unknown): string[] {
  try {
    parseCatalog(json);
  } catch (e) {
    if (e instanceof CatalogError) return e.details;
    throw e;
  }
  throw new Error('parseCatalog accepted an invalid catalog');
}

const WHERE = 'categories[0].services[0].templates[1].approval';

describe('the catalog approval block', () => {
  it('fills in the default reminder (4) and escalation (8) working hours', () => {
    const catalog = parseCatalog(catalogWith({ b: { by: 'manager' } }));
    expect(catalog.categories[0].services[0].templates[1].approval).toEqual({ by: 'manager', remindAfterHours: 4, escalateAfterHours: 8 });
  });

  it('accepts every rule kind, fractional hours and an escalation sooner than the reminder', () => {
    for (const by of ['area_manager', 'secretary', 'manager', 'group:aprobadores-correo']) {
      const policy = parseCatalog(catalogWith({ b: { by, escalateTo: by === 'manager' ? 'secretary' : 'manager', remindAfterHours: 0.5, escalateAfterHours: 0.25 } }))
        .categories[0].services[0].templates[1].approval;
      expect(policy).toMatchObject({ by, remindAfterHours: 0.5, escalateAfterHours: 0.25 });
    }
  });

  it('says so when escalateTo is the same rule as by', () => {
    expect(problems(catalogWith({ b: { by: 'secretary', escalateTo: 'secretary' } }))).toEqual([
      `${WHERE}.escalateTo: escalateTo is the same rule as "by" ("secretary"): escalating would ask the same people again — name another rule or remove escalateTo`,
    ]);
  });

  it('names the four rule kinds when a rule is unknown, and asks for a slug after "group:"', () => {
    expect(problems(catalogWith({ b: { by: 'jefe' } }))).toEqual([
      `${WHERE}.by: "jefe" is not an approver rule — use "area_manager", "secretary", "manager" or "group:<name>" (a kebab-case name from approverGroups in the directory file)`,
    ]);
    const [group] = problems(catalogWith({ b: { by: 'manager', escalateTo: 'group:Aprobadores Correo' } }));
    expect(group).toMatch(/^categories\[0\]\.services\[0\]\.templates\[1\]\.approval\.escalateTo: "group:Aprobadores Correo": the group name must be a kebab-case slug/);
    expect(problems(catalogWith({ b: { by: 'group:' } }))[0]).toContain('the group name must be a kebab-case slug');
  });

  it('wants hours above zero and a "by"; refuses unknown keys', () => {
    expect(problems(catalogWith({ b: { by: 'manager', remindAfterHours: 0 } }))).toEqual([
      `${WHERE}.remindAfterHours: remindAfterHours must be more than 0 working hours (leave it out for the default, 4)`,
    ]);
    expect(problems(catalogWith({ b: { by: 'manager', escalateAfterHours: -1 } }))[0]).toContain('escalateAfterHours must be more than 0 working hours (leave it out for the default, 8)');
    expect(problems(catalogWith({ b: { by: 'manager', remindAfterHours: '4' } }))).toEqual([`${WHERE}.remindAfterHours: expected number but found string — change its value`]);
    expect(problems(catalogWith({ b: { escalateTo: 'manager' } }))).toEqual([`${WHERE}.by: is missing — add it (expected string)`]);
    expect(problems(catalogWith({ b: { by: 'manager', approvers: ['x'] } }))).toEqual([`${WHERE}: unknown key(s) "approvers" — remove them or check their spelling`]);
  });

  it('validates a service-level block the same way', () => {
    expect(problems(catalogWith({ service: { by: 'manager', escalateTo: 'manager' } }))).toEqual([
      'categories[0].services[0].approval.escalateTo: escalateTo is the same rule as "by" ("manager"): escalating would ask the same people again — name another rule or remove escalateTo',
    ]);
  });
});

describe('CatalogService.approvalFor', () => {
  const service = { by: 'secretary', escalateTo: 'area_manager', remindAfterHours: 2, escalateAfterHours: 6 };
  const own = { by: 'group:compras', remindAfterHours: 1 };
  const catalog = new CatalogService(parseCatalog(catalogWith({ service, b: own })));

  it("gives a template its own approval over its service's", () => {
    expect(catalog.approvalFor('tpl-b')).toEqual({ by: 'group:compras', remindAfterHours: 1, escalateAfterHours: 8 });
  });

  it("gives a template without one its service's approval", () => {
    expect(catalog.approvalFor('tpl-a')).toEqual(service);
  });

  it('is undefined for a template of a service without approval, and for an unknown template', () => {
    expect(catalog.approvalFor('tpl-c')).toBeUndefined();
    expect(catalog.approvalFor('no-such-template')).toBeUndefined();
  });

  it('leaves the audience alone: a template with approval and no audience is usable by everyone', () => {
    expect(catalog.canUse('tpl-b', ['employee'])).toBe('ok');
    expect(catalog.templatesFor('svc-a', ['employee']).map((x) => x.id)).toEqual(['tpl-a', 'tpl-b']);
  });
});

describe('approval rules and texts', () => {
  it('parses the four rule kinds and nothing else', () => {
    expect(parseRule('manager')).toEqual({ kind: 'manager' });
    expect(parseRule('group:mesa-compras')).toEqual({ kind: 'group', group: 'mesa-compras' });
    expect(parseRule('group:Mesa')).toBeUndefined();
    expect(parseRule('supervisor')).toBeUndefined();
  });

  it('describes who approves, Spanish first, with the department when known', () => {
    expect(describeRule('area_manager', 'es', ' Planeación ')).toBe('el jefe de área de Planeación');
    expect(describeRule('area_manager', 'en', 'Planeación')).toBe('the head of area of Planeación');
    expect(describeRule('area_manager', 'es')).toBe('el jefe de área de su dependencia');
    expect(describeRule('secretary', 'es', 'Talento Humano')).toBe('la secretaria de Talento Humano');
    expect(describeRule('secretary', 'en')).toBe('the secretary of your department');
    expect(describeRule('manager', 'es', 'Planeación')).toBe('su jefe inmediato');
    expect(describeRule('manager', 'en')).toBe('your manager');
    expect(describeRule('group:aprobadores-correo', 'es')).toBe('el grupo de aprobadores "aprobadores-correo"');
    expect(describeRule('group:aprobadores-correo', 'en')).toBe('the approvers group "aprobadores-correo"');
  });

  it('compares departments trimmed, without accents or case', () => {
    expect(departmentKey('  Planeación ')).toBe(departmentKey('PLANEACION'));
    expect(departmentKey('Talento  Humano')).toBe(departmentKey('talento humano'));
    expect(departmentKey('Planeación')).not.toBe(departmentKey('Planeación Estratégica'));
    expect(departmentKey(undefined)).toBe('');
  });
});

describe('awayEnd (the exclusive end of awayUntil)', () => {
  it('reads a date as through the end of that day in Bogotá', () => {
    expect(awayEnd('2026-03-13')!.toISOString()).toBe('2026-03-14T05:00:00.000Z');
    expect(awayEnd('2026-12-31')!.toISOString()).toBe('2027-01-01T05:00:00.000Z');
    expect(awayEnd('2028-02-29')!.toISOString()).toBe('2028-03-01T05:00:00.000Z');
  });

  it('reads a date-time without offset as Bogotá time, and one with Z or an offset as that instant', () => {
    expect(awayEnd('2026-03-13T12:00')!.toISOString()).toBe('2026-03-13T17:00:00.000Z');
    expect(awayEnd('2026-03-13T12:00:30')!.toISOString()).toBe('2026-03-13T17:00:30.000Z');
    expect(awayEnd('2026-03-13T12:00:00Z')!.toISOString()).toBe('2026-03-13T12:00:00.000Z');
    expect(awayEnd('2026-03-13T12:00:00+01:00')!.toISOString()).toBe('2026-03-13T11:00:00.000Z');
  });

  it('refuses what is not an ISO date, including impossible days', () => {
    for (const bad of ['13/03/2026', '2026-02-30', '2027-02-29', '2026-13-01', '2026-03-13T25:00', '2026-03-13 12:00', 'mañana', '']) {
      expect({ bad, end: awayEnd(bad) }).toEqual({ bad, end: undefined });
    }
  });
});
