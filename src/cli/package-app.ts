/**
 * `npm run package [outFile]`: builds the Teams app zip (default dist/mesa-de-ayuda.zip) from
 * teamsAppManifest/, filling BOT_ID, TEAMS_APP_ID, BOT_DOMAIN and APP_VERSION from the environment.
 * The bot reads the environment only in src/config.ts; this packaging CLI gets it from there too
 * (rawEnvironment), because its settings are not the bot's.
 */
import { rawEnvironment } from '../config';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths';
import { buildAppPackage, ManifestError, readPackagingEnv } from '../teams/manifest';

export const DEFAULT_OUT_FILE = path.join(ROOT, 'dist', 'mesa-de-ayuda.zip');
export const MANIFEST_DIR = path.join(ROOT, 'teamsAppManifest');

export interface SchemaCheck {
  /** The bundled schema that was used, e.g. teams/v1.29/MicrosoftTeams.schema.json. */
  schema: string;
  errors: string[];
}

/**
 * Validates a manifest (kind 'manifest') or a localization file (kind 'localization') offline
 * against the draft-04 schema bundled in @microsoft/app-manifest for the manifest's version.
 * Uses dev dependencies (ajv-draft-04, @microsoft/app-manifest), loaded only when called.
 */
export async function validateWithBundledSchema(
  doc: object,
  kind: 'manifest' | 'localization',
  manifestVersion: string,
): Promise<SchemaCheck> {
  const { default: Ajv } = await import('ajv-draft-04');
  const pkgDir = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
  const file = kind === 'manifest' ? 'MicrosoftTeams.schema.json' : 'MicrosoftTeams.Localization.schema.json';
  const rel = path.join('teams', `v${manifestVersion}`, file);
  const schemaFile = path.join(pkgDir, 'build', 'json-schemas', rel);
  if (!fs.existsSync(schemaFile)) {
    return { schema: rel, errors: [`no bundled schema for manifestVersion ${manifestVersion} (${schemaFile})`] };
  }
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object & { $schema?: string };
  // The schemas name the draft-04 meta-schema, which ajv-draft-04 ships, and use format "uri";
  // nothing is fetched over the network. The localization schema has patterns such as `\b]`
  // that are invalid with the regex "u" flag, hence unicodeRegExp: false.
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => {
    try {
      new URL(s);
      return true;
    } catch {
      return false;
    }
  });
  const validate = ajv.compile(schema);
  const ok = validate(doc);
  const errors = ok
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params ? ' ' + JSON.stringify(e.params) : ''}`,
      );
  return { schema: rel, errors };
}

function packageVersion(): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

async function schemaCheck(manifest: object): Promise<string[]> {
  const version = (manifest as { manifestVersion?: string }).manifestVersion ?? '';
  try {
    const { schema, errors } = await validateWithBundledSchema(manifest, 'manifest', version);
    if (errors.length === 0) console.log(`manifest.json is valid against ${schema}`);
    return errors;
  } catch (err) {
    // A production-only install has no dev dependencies: package anyway, but say so.
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      console.warn('schema check skipped: dev dependencies (ajv-draft-04, @microsoft/app-manifest) not installed');
      return [];
    }
    throw err;
  }
}

export async function main(argv: string[]): Promise<number> {
  const outFile = path.resolve(argv[0] ?? DEFAULT_OUT_FILE);
  try {
    const values = readPackagingEnv(rawEnvironment(), { version: packageVersion() });
    const { manifest } = await buildAppPackage({ manifestDir: MANIFEST_DIR, values, outFile });
    const errors = await schemaCheck(manifest);
    if (errors.length > 0) {
      fs.rmSync(outFile, { force: true });
      console.error(`The rendered manifest does not match its schema:\n  - ${errors.join('\n  - ')}`);
      return 1;
    }
    console.log(
      `wrote ${outFile}\n  app id ${values.TEAMS_APP_ID}, bot ${values.BOT_ID}, ` +
        `domain ${values.BOT_DOMAIN}, version ${values.APP_VERSION}\n` +
        '  Upload it in Teams (Apps > Manage your apps > Upload an app) or in the Teams admin center.',
    );
    return 0;
  } catch (err) {
    if (err instanceof ManifestError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
