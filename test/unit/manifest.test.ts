import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { PNG } from 'pngjs';
import { validateWithBundledSchema } from '../../src/cli/package-app';
import { COMMANDS, recognize } from '../../src/domain/phrases';
import { buildAppPackage, ManifestError, readPackagingEnv, renderManifest } from '../../src/teams/manifest';

const DIR = path.resolve(__dirname, '../../teamsAppManifest');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
const template = readJson('manifest.json');
const en = readJson('en.json');

const VALUES = {
  BOT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  TEAMS_APP_ID: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
  BOT_DOMAIN: 'mesadeayuda.example.gov.co',
  APP_VERSION: '1.2.3',
};

interface Command {
  title: string;
  description?: string;
}
interface Manifest {
  $schema: string;
  manifestVersion: string;
  id: string;
  version: string;
  accentColor: string;
  localizationInfo: { defaultLanguageTag: string; additionalLanguages: { languageTag: string; file: string }[] };
  bots: { botId: string; scopes: string[]; supportsFiles: boolean; commandLists: { scopes: string[]; commands: Command[] }[] }[];
  webApplicationInfo: { id: string; resource: string };
  validDomains: string[];
  authorization: { permissions: { resourceSpecific: { name: string; type: string }[] } };
}

const bundledTeamsVersions = () =>
  fs
    .readdirSync(path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build/json-schemas/teams'))
    .map((d) => /^v(\d+)\.(\d+)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])] as const);

function readPng(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(path.join(DIR, file)));
}

function pixels(png: PNG): { r: number; g: number; b: number; a: number }[] {
  const out = [];
  for (let i = 0; i < png.data.length; i += 4) {
    out.push({ r: png.data[i], g: png.data[i + 1], b: png.data[i + 2], a: png.data[i + 3] });
  }
  return out;
}

describe('the Teams app manifest', () => {
  const manifest = renderManifest(template, VALUES) as Manifest;

  it('is on the newest 1.2x schema bundled with @microsoft/app-manifest, at least 1.17', () => {
    const [major, minor] = manifest.manifestVersion.split('.').map(Number);
    expect(major === 1 && minor >= 17).toBe(true);
    const newest1_2x = Math.max(...bundledTeamsVersions().filter(([ma, mi]) => ma === 1 && mi >= 20 && mi < 30).map(([, mi]) => mi));
    expect(minor).toBe(newest1_2x);
    expect(manifest.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
    );
  });

  it('validates offline against the bundled JSON schema once rendered', async () => {
    const { errors } = await validateWithBundledSchema(manifest, 'manifest', manifest.manifestVersion);
    expect(errors).toEqual([]);
  });

  it('is rejected by the schema check when it is malformed, so the check is not vacuous', async () => {
    const bad = { ...manifest, manifestVersion: '1.16', accentColor: 'blue', bots: [{ scopes: ['everywhere'] }] };
    const { errors } = await validateWithBundledSchema(bad, 'manifest', manifest.manifestVersion);
    expect(errors.join('\n')).toMatch(/manifestVersion/);
    expect(errors.join('\n')).toMatch(/accentColor/);
    expect(errors.join('\n')).toMatch(/botId/);
  });

  it('fills every placeholder from the values and leaves no ${{ behind', () => {
    const text = JSON.stringify(manifest);
    expect(text).not.toContain('${{');
    expect(manifest.id).toBe(VALUES.TEAMS_APP_ID);
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.bots[0].botId).toBe(VALUES.BOT_ID);
    expect(manifest.webApplicationInfo).toEqual({ id: VALUES.BOT_ID, resource: `api://${VALUES.BOT_DOMAIN}/botid-${VALUES.BOT_ID}` });
    expect(manifest.validDomains).toEqual(expect.arrayContaining(['token.botframework.com', VALUES.BOT_DOMAIN]));
  });

  it('declares the tab: a personal static tab and a configurable channel tab served by the bot, with the SSO resource Teams needs', () => {
    const m = manifest as unknown as { staticTabs: { entityId: string; contentUrl?: string; scopes: string[] }[]; configurableTabs: { configurationUrl: string; scopes: string[]; context: string[] }[] };
    expect(m.staticTabs[0]).toMatchObject({ entityId: 'mesa-de-ayuda', contentUrl: `https://${VALUES.BOT_DOMAIN}/tab/`, scopes: ['personal'] });
    expect(m.configurableTabs).toEqual([expect.objectContaining({ configurationUrl: `https://${VALUES.BOT_DOMAIN}/tab/config`, scopes: ['team'], context: ['channelTab'] })]);
    // Tab SSO only works with the domain in the Application ID URI (api://<domain>/botid-<appId>).
    expect(manifest.webApplicationInfo.resource).toBe(`api://${VALUES.BOT_DOMAIN}/botid-${VALUES.BOT_ID}`);
  });

  it('offers the bot in personal and team scopes with files and channel-message RSC', () => {
    const bot = manifest.bots[0];
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    expect(bot.supportsFiles).toBe(true);
    expect(manifest.authorization.permissions.resourceSpecific).toContainEqual({
      name: 'ChannelMessage.Read.Group',
      type: 'Application',
    });
    expect(manifest.localizationInfo.defaultLanguageTag).toBe('es-co');
    expect(manifest.localizationInfo.additionalLanguages).toEqual([{ languageTag: 'en-us', file: 'en.json' }]);
  });

  it('throws a ManifestError naming every unset placeholder and how to set it', () => {
    let error: unknown;
    try {
      renderManifest(template, { APP_VERSION: '1.0.0', BOT_DOMAIN: '  ' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ManifestError);
    const e = error as ManifestError;
    expect([...e.missing].sort()).toEqual(['BOT_DOMAIN', 'BOT_ID', 'TEAMS_APP_ID']);
    expect(e.message).toContain("BOT_ID is not set: export BOT_ID=<the Azure Bot's Microsoft App ID> (same as MicrosoftAppId)");
    expect(e.message).toContain('TEAMS_APP_ID is not set');
    expect(e.message).toContain('BOT_DOMAIN is not set: export BOT_DOMAIN=');
  });

  it('reads BOT_ID from MicrosoftAppId and defaults TEAMS_APP_ID and APP_VERSION', () => {
    const values = readPackagingEnv(
      { MicrosoftAppId: VALUES.BOT_ID, BOT_DOMAIN: 'https://mesadeayuda.example.gov.co/api/messages' },
      { version: '0.1.0' },
    );
    expect(values).toEqual({
      BOT_ID: VALUES.BOT_ID,
      TEAMS_APP_ID: VALUES.BOT_ID,
      BOT_DOMAIN: 'mesadeayuda.example.gov.co',
      APP_VERSION: '0.1.0',
    });
    expect(readPackagingEnv({ BOT_ID: 'b', MicrosoftAppId: 'm', TEAMS_APP_ID: 't', APP_VERSION: '2.0.0' })).toMatchObject({
      BOT_ID: 'b',
      TEAMS_APP_ID: 't',
      APP_VERSION: '2.0.0',
    });
  });
});

describe('the English localization file', () => {
  const manifest = renderManifest(template, VALUES) as Manifest;

  it('validates against the bundled localization schema', async () => {
    expect(en.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.Localization.schema.json`,
    );
    const { errors } = await validateWithBundledSchema(en, 'localization', manifest.manifestVersion);
    expect(errors).toEqual([]);
  });

  it('translates the title and description of every manifest command and nothing that does not exist', () => {
    const expected = manifest.bots[0].commandLists.flatMap((list, l) =>
      list.commands.flatMap((c, i) => [
        `bots[0].commandLists[${l}].commands[${i}].title`,
        ...(c.description ? [`bots[0].commandLists[${l}].commands[${i}].description`] : []),
      ]),
    );
    const commandKeys = Object.keys(en).filter((k) => k.startsWith('bots['));
    expect(commandKeys.sort()).toEqual(expected.sort());
  });

  it('translates the message extension\'s commands and their parameters, and nothing that does not exist', () => {
    const ext = (manifest as unknown as { composeExtensions: { botId: string; commands: { id: string; type: string; title: string; description?: string; parameters?: { title: string; description?: string }[] }[] }[] }).composeExtensions;
    expect(ext).toHaveLength(1);
    expect(ext[0].botId).toBe(VALUES.BOT_ID);
    // The search from the compose box and the action on a message, the ids the bot answers to.
    expect(ext[0].commands.map((c) => [c.id, c.type])).toEqual([['buscar', 'query'], ['crearRadicado', 'action']]);
    const expected = ext[0].commands.flatMap((c, i) => [
      `composeExtensions[0].commands[${i}].title`,
      ...(c.description ? [`composeExtensions[0].commands[${i}].description`] : []),
      ...(c.parameters ?? []).flatMap((p, j) => [
        `composeExtensions[0].commands[${i}].parameters[${j}].title`,
        ...(p.description ? [`composeExtensions[0].commands[${i}].parameters[${j}].description`] : []),
      ]),
    ]);
    expect(Object.keys(en).filter((k) => k.startsWith('composeExtensions[')).sort()).toEqual(expected.sort());
    expect(en['composeExtensions[0].commands[1].title']).toBe('Create radicado from message');
  });
});

describe('the icons', () => {
  it('has a 192×192 color icon that is fully opaque', () => {
    const png = readPng('color.png');
    expect([png.width, png.height]).toEqual([192, 192]);
    expect(pixels(png).every((p) => p.a === 255)).toBe(true);
  });

  it('has a color icon whose background is the accent color', () => {
    const [corner] = pixels(readPng('color.png'));
    const hex = '#' + [corner.r, corner.g, corner.b].map((v) => v.toString(16).padStart(2, '0')).join('');
    expect(hex.toUpperCase()).toBe((template as Manifest).accentColor.toUpperCase());
  });

  it('has a 32×32 outline icon made only of white and transparent pixels, with some of each', () => {
    const png = readPng('outline.png');
    expect([png.width, png.height]).toEqual([32, 32]);
    const px = pixels(png);
    expect(px.every((p) => p.a === 0 || (p.r === 255 && p.g === 255 && p.b === 255))).toBe(true);
    expect(px.filter((p) => p.a === 0).length).toBeGreaterThan(100);
    expect(px.filter((p) => p.a === 255).length).toBeGreaterThan(50);
  });
});

describe('buildAppPackage', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mda-package-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes a zip holding exactly manifest.json, color.png, outline.png and en.json', async () => {
    const outFile = path.join(tmp, 'out', 'mesa-de-ayuda.zip');
    const result = await buildAppPackage({ manifestDir: DIR, values: VALUES, outFile });
    expect(result.outFile).toBe(outFile);

    const zip = new AdmZip(outFile);
    expect(zip.getEntries().map((e) => e.entryName).sort()).toEqual(['color.png', 'en.json', 'manifest.json', 'outline.png']);
    const inside = zip.readAsText('manifest.json');
    expect(inside).not.toContain('${{');
    expect(JSON.parse(inside)).toEqual(result.manifest);
    expect(zip.readFile('color.png')).toEqual(fs.readFileSync(path.join(DIR, 'color.png')));
    expect(JSON.parse(zip.readAsText('en.json'))).toEqual(en);
  });

  it('refuses to write anything when a placeholder has no value', async () => {
    const outFile = path.join(tmp, 'never.zip');
    const { BOT_ID: _unused, TEAMS_APP_ID: _alsoUnused, ...rest } = VALUES;
    await expect(buildAppPackage({ manifestDir: DIR, values: rest, outFile })).rejects.toThrow(
      /BOT_ID is not set: export BOT_ID=/,
    );
    expect(fs.existsSync(outFile)).toBe(false);
  });

  it('rejects values Teams would refuse, such as a bot id that is not a GUID', async () => {
    const outFile = path.join(tmp, 'never.zip');
    await expect(
      buildAppPackage({ manifestDir: DIR, values: { ...VALUES, BOT_ID: 'my-bot', APP_VERSION: 'v1' }, outFile }),
    ).rejects.toThrow(/BOT_ID must be a GUID[\s\S]*APP_VERSION must be MAJOR\.MINOR\.PATCH/);
    expect(fs.existsSync(outFile)).toBe(false);
  });
});

describe('the manifest commands', () => {
  const manifest = template as Manifest;
  const opts = { prefix: 'MDA', year: 2026 };
  const lists = manifest.bots[0].commandLists;
  const titles = (scope: string) => lists.find((l) => l.scopes.includes(scope))!.commands.map((c) => c.title);
  const enTitle = (scope: string, i: number) =>
    en[`bots[0].commandLists[${lists.findIndex((l) => l.scopes.includes(scope))}].commands[${i}].title`] as string;

  it('are the ones the recogniser advertises, in Spanish and English', () => {
    for (const scope of ['personal', 'team'] as const) {
      expect(titles(scope)).toEqual(COMMANDS[scope].map((c) => c.es));
      expect(titles(scope).map((_, i) => enTitle(scope, i))).toEqual(COMMANDS[scope].map((c) => c.en));
    }
  });

  it('are each understood by the bot in both languages', () => {
    for (const scope of ['personal', 'team'] as const) {
      titles(scope).forEach((es, i) => {
        const expected = COMMANDS[scope][i].intent;
        for (const text of [es, enTitle(scope, i)]) {
          const kind = recognize(text, opts).kind;
          expect({ text, kind }).toEqual({ text, kind: expected });
          expect(kind).not.toBe('unknown');
        }
      });
    }
  });
});
