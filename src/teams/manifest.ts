/**
 * The Teams app package: fills the `${{NAME}}` placeholders of teamsAppManifest/manifest.json and
 * zips it with its icons and localization files. Plain fs + adm-zip: no botbuilder here, so the
 * packaging CLI and its tests stay light.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import AdmZip from 'adm-zip';

/** A manifest that cannot be packaged; `problems` says how to fix each one. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    readonly problems: string[],
    /** Placeholders that had no value, in order of first appearance. */
    readonly missing: string[] = [],
  ) {
    super(`Cannot build the Teams app package:\n  - ${problems.join('\n  - ')}`);
  }
}

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** How to give each known placeholder a value; unknown ones get a generic hint. */
const HOW_TO_SET: Record<string, string> = {
  BOT_ID: "export BOT_ID=<the Azure Bot's Microsoft App ID> (same as MicrosoftAppId)",
  TEAMS_APP_ID: 'export TEAMS_APP_ID=<a GUID for the Teams app> (defaults to BOT_ID)',
  BOT_DOMAIN:
    'export BOT_DOMAIN=<public host name of the bot, without https://, e.g. mesadeayuda.example.gov.co>',
  APP_VERSION: 'export APP_VERSION=<semver such as 1.0.0> (defaults to the version in package.json)',
};

function hintFor(name: string): string {
  return `${name} is not set: ${HOW_TO_SET[name] ?? `export ${name}=<value>`}`;
}

function hasValue(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== '';
}

function fill(node: unknown, values: Record<string, string | undefined>, missing: Set<string>): unknown {
  if (typeof node === 'string') {
    return node.replace(PLACEHOLDER, (whole, name: string) => {
      const v = values[name];
      if (!hasValue(v)) {
        missing.add(name);
        return whole;
      }
      return v.trim();
    });
  }
  if (Array.isArray(node)) return node.map((item) => fill(item, values, missing));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = fill(v, values, missing);
    return out;
  }
  return node;
}

/**
 * Returns a copy of `template` with every `${{NAME}}` in its strings replaced by `values[NAME]`.
 * Throws one ManifestError naming every placeholder without a value and how to set it.
 */
export function renderManifest(template: object, values: Record<string, string | undefined>): object {
  const missing = new Set<string>();
  const out = fill(template, values, missing) as object;
  if (missing.size > 0) {
    // Known names first, BOT_ID before the ones that default to it; unknown ones after.
    const order = Object.keys(HOW_TO_SET);
    const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
    const names = [...missing].sort((a, b) => rank(a) - rank(b));
    throw new ManifestError(names.map(hintFor), names);
  }
  return out;
}

/**
 * The placeholder values from an environment. The packaging CLI passes the environment here (the
 * bot itself reads its environment only in src/config.ts). BOT_ID falls back to MicrosoftAppId,
 * TEAMS_APP_ID to BOT_ID, APP_VERSION to `defaults.version` (package.json's).
 */
export function readPackagingEnv(
  env: NodeJS.ProcessEnv,
  defaults: { version?: string } = {},
): Record<string, string | undefined> {
  const get = (k: string) => (hasValue(env[k]) ? env[k]!.trim() : undefined);
  const botId = get('BOT_ID') ?? get('MicrosoftAppId');
  // People paste the endpoint URL; the manifest wants a bare host name.
  const domain = get('BOT_DOMAIN')
    ?.replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '');
  return {
    BOT_ID: botId,
    TEAMS_APP_ID: get('TEAMS_APP_ID') ?? botId,
    BOT_DOMAIN: domain || undefined,
    APP_VERSION: get('APP_VERSION') ?? defaults.version,
  };
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;
const HOST = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:\d{1,5})?$/;

/** Values that are present but would make Teams reject the package. */
function checkValues(values: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const k of ['BOT_ID', 'TEAMS_APP_ID']) {
    const v = values[k];
    if (hasValue(v) && !GUID.test(v.trim())) problems.push(`${k} must be a GUID, got "${v}"`);
  }
  const version = values.APP_VERSION;
  if (hasValue(version) && !SEMVER.test(version.trim())) {
    problems.push(`APP_VERSION must be MAJOR.MINOR.PATCH (e.g. 1.0.0), got "${version}"`);
  }
  const domain = values.BOT_DOMAIN;
  if (hasValue(domain) && !HOST.test(domain.trim())) {
    problems.push(`BOT_DOMAIN must be a host name such as mesadeayuda.example.gov.co, got "${domain}"`);
  }
  return problems;
}

/** Width and height from a PNG's IHDR chunk, or undefined when the bytes are not a PNG. */
export function pngSize(buf: Buffer): { width: number; height: number } | undefined {
  const signature = '89504e470d0a1a0a';
  if (buf.length < 24 || buf.subarray(0, 8).toString('hex') !== signature) return undefined;
  if (buf.subarray(12, 16).toString('ascii') !== 'IHDR') return undefined;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function readJson(file: string): Promise<object> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as object;
  } catch (err) {
    throw new ManifestError([`cannot read ${file}: ${(err as Error).message}`]);
  }
}

interface ManifestShape {
  icons?: { color?: string; outline?: string };
  localizationInfo?: { additionalLanguages?: { file?: string }[] };
}

/**
 * Renders `manifestDir/manifest.json` with `values` and writes `outFile`: a flat zip holding the
 * manifest, its two icons and its localization files. Throws ManifestError listing every problem
 * (unset placeholders, malformed values, missing or mis-sized icons) before writing anything.
 */
export async function buildAppPackage(opts: {
  manifestDir: string;
  values: Record<string, string | undefined>;
  outFile: string;
}): Promise<{ outFile: string; manifest: object }> {
  const template = (await readJson(path.join(opts.manifestDir, 'manifest.json'))) as ManifestShape;
  const problems: string[] = [];
  const missing: string[] = [];

  let manifest: object = template;
  try {
    manifest = renderManifest(template, opts.values);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    problems.push(...err.problems);
    missing.push(...err.missing);
  }
  problems.push(...checkValues(opts.values));

  // Localization files may carry placeholders too; they are rendered with the same values.
  const files = new Map<string, Buffer>();
  for (const lang of template.localizationInfo?.additionalLanguages ?? []) {
    if (!lang.file) continue;
    try {
      const rendered = renderManifest(await readJson(path.join(opts.manifestDir, lang.file)), opts.values);
      files.set(lang.file, Buffer.from(JSON.stringify(rendered, null, 2) + '\n'));
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      problems.push(...err.problems.filter((p) => !problems.includes(p)));
      missing.push(...err.missing.filter((m) => !missing.includes(m)));
    }
  }

  const icons: [string | undefined, number][] = [
    [template.icons?.color, 192],
    [template.icons?.outline, 32],
  ];
  for (const [name, size] of icons) {
    if (!name) {
      problems.push(`manifest.json has no icons.${size === 192 ? 'color' : 'outline'}`);
      continue;
    }
    const file = path.join(opts.manifestDir, name);
    const buf = await fs.readFile(file).catch(() => undefined);
    const dims = buf && pngSize(buf);
    if (!buf) problems.push(`icon ${file} is missing (regenerate with: node dist/cli/make-icons.js)`);
    else if (!dims) problems.push(`icon ${file} is not a PNG`);
    else if (dims.width !== size || dims.height !== size) {
      problems.push(`icon ${file} is ${dims.width}×${dims.height}, Teams requires ${size}×${size}`);
    } else files.set(name, buf);
  }

  if (problems.length > 0) throw new ManifestError(problems, missing);

  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  for (const [name, buf] of files) zip.addFile(name, buf);
  await fs.mkdir(path.dirname(opts.outFile), { recursive: true });
  await fs.writeFile(opts.outFile, zip.toBuffer());
  return { outFile: opts.outFile, manifest };
}
