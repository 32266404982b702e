import fs from 'node:fs';
import path from 'node:path';
import { CatalogService, parseCatalog, suggestTemplates } from '../../src/domain/catalog';
import { checkApprovalSetup, loadCatalog } from '../../src/config-files';
import { approvalSetupProblems, ApprovalSetupError } from '../../src/identity/approval-setup';
import { FileDirectory, type DirectoryFile } from '../../src/identity/file-directory';

const ROOT = path.join(__dirname, '..', '..');
const oid = (n: string) => `00000000-0000-0000-0000-0000000000${n}`;

/** An institution: Planeación (head, two secretaries), Talento Humano (head with accents lost), people without oid. */
function directoryData(): DirectoryFile {
  return {
    users: [
      { oid: oid('e1'), email: 'ana@entidad.gov.co', name: 'Ana', roles: ['employee'], department: 'Talento Humano', manager: 'JORGE@entidad.gov.co' },
      { oid: oid('a1'), email: 'jorge@entidad.gov.co', name: 'Jorge', roles: ['area_manager'], department: 'Planeación', delegate: 'sara@entidad.gov.co' },
      { oid: oid('s1'), email: 'sara@entidad.gov.co', name: 'Sara', roles: ['secretary'], department: ' PLANEACION ' },
      { oid: oid('s2'), email: 'sonia@entidad.gov.co', name: 'Sonia', roles: ['secretary'], department: 'planeación' },
      { email: 'sin.oid@entidad.gov.co', name: 'Sin Oid', roles: ['secretary'], department: 'Planeación' },
      { oid: oid('a2'), email: 'marta@entidad.gov.co', name: 'Marta', roles: ['area_manager'], department: 'Talento humano' },
      { oid: oid('a3'), email: 'pablo@entidad.gov.co', roles: ['area_manager', 'secretary'], department: 'Planeacion', delegate: [oid('a1'), 'nadie@entidad.gov.co', oid('a3')] },
      { oid: oid('e2'), email: 'eva@entidad.gov.co', name: 'Eva', roles: ['employee'], department: 'Planeación' },
    ],
    groups: {},
    jobTitles: [],
    approverGroups: { compras: ['marta@entidad.gov.co', 'sin.oid@entidad.gov.co', 'nadie@entidad.gov.co', oid('s1'), 'MARTA@entidad.gov.co'] },
  };
}

const names = (people: { name: string }[]) => people.map((p) => p.name);

describe('FileDirectory as the approver directory', () => {
  const directory = new FileDirectory(directoryData());

  describe('approversFor', () => {
    it('finds the heads of area of the requester\'s department ignoring case, accents and spaces, in file order', () => {
      expect(directory.approversFor('area_manager', { oid: oid('e2'), department: 'PLANEACIÓN' })).toEqual([
        { oid: oid('a1'), name: 'Jorge' },
        // No name in the file: the e-mail stands in.
        { oid: oid('a3'), name: 'pablo@entidad.gov.co' },
      ]);
      expect(names(directory.approversFor('area_manager', { oid: oid('e1'), department: 'Talento Humano' }))).toEqual(['Marta']);
    });

    it('finds the department\'s secretaries and skips entries without an oid', () => {
      expect(names(directory.approversFor('secretary', { oid: oid('e2'), department: 'Planeación' }))).toEqual(['Sara', 'Sonia', 'pablo@entidad.gov.co']);
    });

    it('takes the department from the directory entry when the requester has none', () => {
      expect(names(directory.approversFor('area_manager', { oid: oid('e1') }))).toEqual(['Marta']);
      expect(names(directory.approversFor('area_manager', { oid: 'someone-else', email: 'ANA@entidad.gov.co' }))).toEqual(['Marta']);
    });

    it('never lists the requester themself', () => {
      expect(names(directory.approversFor('area_manager', { oid: oid('a1'), department: 'Planeación' }))).toEqual(['pablo@entidad.gov.co']);
      expect(names(directory.approversFor('secretary', { oid: oid('S1'), department: 'Planeación' }))).toEqual(['Sonia', 'pablo@entidad.gov.co']);
      expect(directory.approversFor('area_manager', { oid: oid('a2'), department: 'Talento Humano' })).toEqual([]);
    });

    it('is empty for a department nobody heads, and for a requester without department', () => {
      expect(directory.approversFor('area_manager', { oid: 'x', department: 'Jurídica' })).toEqual([]);
      expect(directory.approversFor('secretary', { oid: 'x' })).toEqual([]);
    });

    it('takes the manager from Graph when given, even outside the file, else the file\'s manager', () => {
      expect(directory.approversFor('manager', { oid: oid('e1'), managerOid: oid('a2') })).toEqual([{ oid: oid('a2'), name: 'Marta' }]);
      expect(directory.approversFor('manager', { oid: oid('e1'), managerOid: 'graph-only', managerName: 'Gloria Graph' })).toEqual([{ oid: 'graph-only', name: 'Gloria Graph' }]);
      // The file names Ana's manager by e-mail, in another case.
      expect(directory.approversFor('manager', { oid: oid('e1') })).toEqual([{ oid: oid('a1'), name: 'Jorge' }]);
      expect(directory.approversFor('manager', { oid: oid('e2') })).toEqual([]);
      // Graph naming the requester as their own manager gives nobody.
      expect(directory.approversFor('manager', { oid: oid('e1'), managerOid: oid('e1') })).toEqual([]);
    });

    it('resolves a group to its members with an oid, once each, in the listed order', () => {
      expect(directory.approversFor('group:compras', { oid: oid('e2') })).toEqual([
        { oid: oid('a2'), name: 'Marta' },
        { oid: oid('s1'), name: 'Sara' },
      ]);
      expect(names(directory.approversFor('group:compras', { oid: oid('a2') }))).toEqual(['Sara']);
      expect(directory.approversFor('group:otro', { oid: oid('e2') })).toEqual([]);
    });
  });

  describe('delegatesOf', () => {
    it('gives the configured delegate', () => {
      expect(directory.delegatesOf(oid('a1'))).toEqual([{ oid: oid('s1'), name: 'Sara' }]);
    });

    it('skips unknown references and the approver themself in a list of delegates', () => {
      expect(directory.delegatesOf(oid('A3'))).toEqual([{ oid: oid('a1'), name: 'Jorge' }]);
    });

    it("falls back to the secretaries of the approver's department, never the approver", () => {
      expect(names(directory.delegatesOf(oid('s2')))).toEqual(['Sara', 'pablo@entidad.gov.co']);
      expect(directory.delegatesOf(oid('a2'))).toEqual([]);
    });

    it('is empty for someone not in the directory', () => {
      expect(directory.delegatesOf('unknown')).toEqual([]);
    });
  });

  describe('isAway', () => {
    const away = (awayUntil: string | undefined) => {
      const data = directoryData();
      data.users[1] = { ...data.users[1], awayUntil };
      return new FileDirectory(data);
    };

    it('is away through the last day in Bogotá, and back at midnight', () => {
      const d = away('2026-03-13');
      expect(d.isAway(oid('a1'), new Date('2026-03-10T12:00:00Z'))).toBe(true);
      expect(d.isAway(oid('a1'), new Date('2026-03-14T04:59:59Z'))).toBe(true); // 23:59:59 in Bogotá
      expect(d.isAway(oid('a1'), new Date('2026-03-14T05:00:00Z'))).toBe(false);
    });

    it('ends at a date-time exactly (Bogotá time when it has no offset)', () => {
      const d = away('2026-03-13T12:00');
      expect(d.isAway(oid('A1'), new Date('2026-03-13T16:59:59Z'))).toBe(true);
      expect(d.isAway(oid('a1'), new Date('2026-03-13T17:00:00Z'))).toBe(false);
    });

    it('is not away without awayUntil, with an unreadable one, or for an unknown person', () => {
      const now = new Date('2026-03-10T12:00:00Z');
      expect(away(undefined).isAway(oid('a1'), now)).toBe(false);
      expect(away('13/03/2026').isAway(oid('a1'), now)).toBe(false);
      expect(away('2026-03-13').isAway('unknown', now)).toBe(false);
    });
  });
});

/** A catalog whose one template asks `by` (and `escalateTo`) to approve. */
function catalogAsking(by: string, escalateTo?: string): CatalogService {
  const t = (es: string) => ({ es, en: es });
  return new CatalogService(
    parseCatalog({
      version: 1,
      contact: t('Extensión 1234'),
      categories: [
        {
          id: 'cat',
          name: t('Categoría'),
          description: t('Descripción'),
          services: [
            {
              id: 'svc',
              name: t('Servicio'),
              description: t('Descripción'),
              templates: [{ id: 'tpl', name: t('Plantilla'), description: t('Descripción'), priority: 'low', fields: [], approval: { by, ...(escalateTo ? { escalateTo } : {}) } }],
            },
          ],
        },
      ],
    }),
  );
}

describe('approvalSetupProblems', () => {
  const clean = (): DirectoryFile => {
    const data = directoryData();
    data.users = data.users.filter((u) => u.oid);
    data.users[5] = { ...data.users[5], delegate: oid('a1') };
    data.approverGroups = { compras: ['marta@entidad.gov.co'] };
    return data;
  };

  it('finds nothing wrong when every rule can find someone', () => {
    const directory = new FileDirectory(clean(), 'DIRECTORY_PATH (test.json)');
    for (const [by, escalateTo] of [['area_manager', 'secretary'], ['manager', 'group:compras'], ['group:compras', undefined]] as const) {
      expect(approvalSetupProblems(catalogAsking(by, escalateTo), directory)).toEqual([]);
    }
  });

  it('reports a role rule when no user with that role has an oid and a department', () => {
    const data = clean();
    data.users = data.users.map((u) => (u.roles.includes('secretary') ? { ...u, department: u.email === 'sara@entidad.gov.co' ? undefined : '  ' } : u));
    expect(approvalSetupProblems(catalogAsking('manager', 'secretary'), new FileDirectory(data, 'DIRECTORY_PATH (test.json)'))).toEqual([
      `template "tpl" approval.escalateTo asks the secretary of the requester's department to approve, but no user in DIRECTORY_PATH (test.json) has the role secretary, an "oid" and a "department": add "department" (and the Entra object id "oid") to each secretary in "users", or choose another rule`,
    ]);
  });

  it('reports a group the directory does not define, and one whose members cannot be reached', () => {
    const data = clean();
    data.approverGroups = { compras: ['sin.oid@entidad.gov.co'] };
    data.users.push({ email: 'sin.oid@entidad.gov.co', roles: [] });
    const directory = new FileDirectory(data, 'DIRECTORY_PATH (test.json)');
    expect(approvalSetupProblems(catalogAsking('group:juridica'), directory)).toEqual([
      'template "tpl" approval.by asks the group "juridica" to approve, but DIRECTORY_PATH (test.json) defines no such group: add "approverGroups": { "juridica": ["persona@entidad.gov.co"] } or fix the name',
      'DIRECTORY_PATH (test.json) approverGroups."compras"[0] "sin.oid@entidad.gov.co" is a user without "oid" in DIRECTORY_PATH (test.json): add their Entra object id, the bot reaches approvers by it',
    ]);
    expect(approvalSetupProblems(catalogAsking('group:compras'), directory)[0]).toBe(
      'template "tpl" approval.by asks the group "compras" to approve, but nobody in approverGroups."compras" is a user with an "oid" in DIRECTORY_PATH (test.json): list at least one such user\'s e-mail or object id',
    );
  });

  it('reports every broken manager, delegate, group member and awayUntil, even with no approval in the catalog', () => {
    const directory = new FileDirectory(
      {
        users: [
          { oid: 'o1', email: 'uno@entidad.gov.co', roles: [], manager: 'jefe@otra.gov.co', awayUntil: '31/12/2026' },
          { oid: 'o2', email: 'dos@entidad.gov.co', roles: [], delegate: ['dos@entidad.gov.co', 'tres@entidad.gov.co'], awayUntil: '2026-12-31' },
          { email: 'tres@entidad.gov.co', name: 'Tres', roles: [], manager: 'o1' },
        ],
        groups: {},
        jobTitles: [],
        approverGroups: { 'Mesa Compras': [], ok: ['o1', 'cuatro@entidad.gov.co'] },
      },
      'DIRECTORY_PATH (d.json)',
    );
    expect(approvalSetupProblems(catalogAsking('manager'), directory)).toEqual([
      'DIRECTORY_PATH (d.json) users[0] (uno@entidad.gov.co) manager "jefe@otra.gov.co" matches no user in DIRECTORY_PATH (d.json): write the e-mail or object id of a user listed in "users" (and add that user if missing)',
      'DIRECTORY_PATH (d.json) users[0] (uno@entidad.gov.co) awayUntil "31/12/2026" is not a date: write an ISO date such as "2026-03-13" (away through that day, Bogotá time) or a date-time such as "2026-03-13T12:00" (Bogotá) or "2026-03-13T17:00:00Z"',
      'DIRECTORY_PATH (d.json) users[1] (dos@entidad.gov.co) delegate[0] "dos@entidad.gov.co" is the user themself: name someone else (nobody approves their own request)',
      'DIRECTORY_PATH (d.json) users[1] (dos@entidad.gov.co) delegate[1] "tres@entidad.gov.co" is a user without "oid" in DIRECTORY_PATH (d.json): add their Entra object id, the bot reaches approvers by it',
      'DIRECTORY_PATH (d.json) approverGroups."Mesa Compras": the name must be a kebab-case slug (lowercase letters, digits and single hyphens, e.g. "aprobadores-correo") so the catalog can name it as "group:mesa compras"',
      'DIRECTORY_PATH (d.json) approverGroups."Mesa Compras" lists nobody: add the e-mail or object id of at least one user, or remove the group',
      'DIRECTORY_PATH (d.json) approverGroups."ok"[1] "cuatro@entidad.gov.co" matches no user in DIRECTORY_PATH (d.json): write the e-mail or object id of a user listed in "users" (and add that user if missing)',
    ]);
  });

  it('checkApprovalSetup throws every line at once, and passes a sound set-up', () => {
    const data = clean();
    data.users[0] = { ...data.users[0], manager: 'nadie@entidad.gov.co', awayUntil: 'pronto' };
    let error: unknown;
    try {
      checkApprovalSetup(catalogAsking('group:juridica'), new FileDirectory(data, 'DIRECTORY_PATH (x.json)'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApprovalSetupError);
    const { message, details } = error as ApprovalSetupError;
    expect(details).toHaveLength(3);
    expect(message.split('\n')).toEqual(['Approvals set-up (catalog and DIRECTORY_PATH (x.json)) has 3 problems:', ...details.map((d) => `  - ${d}`)]);
    expect(() => checkApprovalSetup(catalogAsking('area_manager'), new FileDirectory(clean()))).not.toThrow();
  });
});

describe('the shipped config/catalog.json and config/directory.json', () => {
  const catalog = loadCatalog(path.join(ROOT, 'config', 'catalog.json'));
  const directory = FileDirectory.load(path.join(ROOT, 'config', 'directory.json'));
  const users = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'directory.json'), 'utf8')).users as { oid: string; name: string; department: string }[];
  const person = (name: string) => users.find((u) => u.name === name)!;
  const ana = person('Ana Empleada');

  it('have no approval set-up problems', () => {
    expect(approvalSetupProblems(catalog, directory)).toEqual([]);
  });

  it('offer everyone one template with an approval, by the manager and escalated to a rule that finds someone for Ana', () => {
    const withApproval = catalog.catalog.categories.flatMap((c) => c.services.flatMap((s) => s.templates)).filter((t) => catalog.approvalFor(t.id));
    expect(withApproval.map((t) => t.id)).toEqual(['pedir-acceso-buzon-compartido']);
    const policy = catalog.approvalFor('pedir-acceso-buzon-compartido')!;
    expect(catalog.canUse('pedir-acceso-buzon-compartido', ['employee'])).toBe('ok');
    expect(policy.by).toBe('manager');
    const requester = { oid: ana.oid, department: ana.department };
    expect(directory.approversFor(policy.by, requester)).toEqual([{ oid: person('Jorge Jefe de Área').oid, name: 'Jorge Jefe de Área' }]);
    expect(directory.approversFor(policy.escalateTo!, requester).length).toBeGreaterThan(0);
    expect(directory.approversFor(policy.escalateTo!, requester).map((p) => p.oid)).not.toContain(ana.oid);
  });

  it('make Sara the delegate of Jorge', () => {
    expect(directory.delegatesOf(person('Jorge Jefe de Área').oid)).toEqual([{ oid: person('Sara Secretaria').oid, name: 'Sara Secretaria' }]);
  });

  it('match "necesito acceso a un buzón compartido" to that template for an employee', () => {
    expect(suggestTemplates(catalog, ['employee'], 'necesito acceso a un buzón compartido')[0].template.id).toBe('pedir-acceso-buzon-compartido');
  });
});
