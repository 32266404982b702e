import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectoryError, FileDirectory } from '../../src/identity/file-directory';

const directory = new FileDirectory({
  users: [
    { oid: 'AAAA-1', email: 'Jorge.Jefe@Entidad.gov.co', roles: ['area_manager'] },
    { email: 'sofia@entidad.gov.co', roles: ['supervisor', 'agent'] },
  ],
  groups: { 'grp-secretarias': ['secretary'], 'grp-mesa': ['agent'] },
  jobTitles: [
    { pattern: '^(jefe|jefa|director|directora|coordinador|coordinadora)\\b', roles: ['area_manager'] },
    { pattern: '^secretari[oa]\\b', roles: ['secretary'] },
  ],
});

describe('FileDirectory role mapping', () => {
  it('gives everyone the employee role and nothing more by default', () => {
    expect(directory.rolesFor({ oid: 'unknown', email: 'x@entidad.gov.co' })).toEqual(['employee']);
    expect(directory.rolesFor({})).toEqual(['employee']);
  });

  it('finds a user by object id, case-insensitively', () => {
    expect(directory.rolesFor({ oid: 'aaaa-1' })).toEqual(['employee', 'area_manager']);
  });

  it('finds a user by e-mail, case-insensitively, when the object id is unknown', () => {
    expect(directory.rolesFor({ oid: 'other', email: 'jorge.jefe@entidad.gov.co' })).toEqual(['employee', 'area_manager']);
    expect(directory.rolesFor({ email: 'SOFIA@entidad.gov.co' })).toEqual(['employee', 'agent', 'supervisor']);
  });

  it('maps Entra group ids to roles and ignores unknown groups', () => {
    expect(directory.rolesFor({ groups: ['grp-otro', 'grp-secretarias'] })).toEqual(['employee', 'secretary']);
    expect(directory.rolesFor({ groups: ['grp-otro'] })).toEqual(['employee']);
  });

  it('maps job titles by pattern, ignoring case, anchored at the start of the title', () => {
    expect(directory.rolesFor({ jobTitle: 'Jefe de Planeación' })).toEqual(['employee', 'area_manager']);
    expect(directory.rolesFor({ jobTitle: 'DIRECTORA Administrativa' })).toEqual(['employee', 'area_manager']);
    expect(directory.rolesFor({ jobTitle: 'Secretaria General' })).toEqual(['employee', 'secretary']);
    expect(directory.rolesFor({ jobTitle: 'Subjefe de archivo' })).toEqual(['employee']);
    expect(directory.rolesFor({ jobTitle: 'Analista' })).toEqual(['employee']);
  });

  it('unions every source, in the canonical role order', () => {
    expect(directory.rolesFor({ oid: 'AAAA-1', groups: ['grp-mesa', 'grp-secretarias'], jobTitle: 'Coordinador TI' })).toEqual([
      'employee',
      'area_manager',
      'secretary',
      'agent',
    ]);
  });

  it('loads a missing file as an empty directory and rejects an invalid one with the reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roles-'));
    expect(FileDirectory.load(path.join(dir, 'none.json')).rolesFor({ jobTitle: 'Jefe' })).toEqual(['employee']);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ groups: { g: ['king'] } }));
    expect(() => FileDirectory.load(bad)).toThrow(DirectoryError);
    fs.writeFileSync(bad, JSON.stringify({ jobTitles: [{ pattern: '(', roles: ['secretary'] }] }));
    expect(() => FileDirectory.load(bad)).toThrow(/not a valid regular expression/);
  });
});
