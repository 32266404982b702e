/**
 * The knowledge base's files: `KNOWLEDGE_DIR/*.md`, Markdown with YAML front matter, read and
 * validated at start-up. A bad file stops the start with one fix-it line per problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CatalogService } from './domain/catalog';
import type { ArticleFile } from './domain/knowledge/service';

export class KnowledgeConfigError extends Error {
  constructor(message: string, readonly problems: string[]) {
    super(message);
    this.name = 'KnowledgeConfigError';
  }
}

const FRONT = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;
const FILE_ID = /^[a-z0-9][a-z0-9-]{1,89}$/;

const frontMatter = z
  .object({
    title: z.string().trim().min(3).max(200),
    locale: z.enum(['es', 'en']).default('es'),
    keywords: z.array(z.string().trim().min(1).max(60)).max(40).default([]),
    services: z.array(z.string()).min(1, 'list at least one catalog service id under "services"'),
    author: z.string().trim().min(1).max(120).default('Mesa de Ayuda'),
    updated: z.union([z.date(), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'write "updated" as YYYY-MM-DD')]).optional(),
  })
  .strict();

/** The articles of `dir`; an absent folder is an empty base unless `required` (KNOWLEDGE_DIR set). */
export function loadKnowledge(dir: string, catalog: CatalogService, required: boolean): ArticleFile[] {
  if (!fs.existsSync(dir)) {
    if (!required) return [];
    throw new KnowledgeConfigError(`KNOWLEDGE_DIR ${dir} does not exist. Create it (see config/knowledge in the repository) or unset KNOWLEDGE_DIR.`, []);
  }
  const problems: string[] = [];
  const out: ArticleFile[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.md')).sort()) {
    const file = path.join(dir, name);
    const id = name.slice(0, -3);
    const where = `${file}:`;
    if (!FILE_ID.test(id)) {
      problems.push(`${where} rename the file to lower-case letters, digits and dashes (e.g. vpn-no-conecta.md).`);
      continue;
    }
    const m = FRONT.exec(fs.readFileSync(file, 'utf8'));
    if (!m) {
      problems.push(`${where} start the file with a front matter block between two "---" lines (title, locale, keywords, services).`);
      continue;
    }
    let meta: unknown;
    try {
      meta = parseYaml(m[1]);
    } catch (err) {
      problems.push(`${where} the front matter is not valid YAML (${(err as Error).message.split('\n')[0]}).`);
      continue;
    }
    const parsed = frontMatter.safeParse(meta ?? {});
    if (!parsed.success) {
      for (const i of parsed.error.issues) problems.push(`${where} ${i.path.join('.') || 'front matter'}: ${i.message}.`);
      continue;
    }
    const unknown = parsed.data.services.filter((s) => !catalog.findService(s));
    if (unknown.length) problems.push(`${where} services ${unknown.join(', ')} are not in the catalog; use a service id of config/catalog.json.`);
    const body = m[2].trim();
    if (body.length < 20) problems.push(`${where} write the article's text below the front matter.`);
    if (/^#{1,6}\s/m.test(body)) problems.push(`${where} headings (#) do not render on Teams cards; use a line in **bold** instead.`);
    const updated = parsed.data.updated;
    out.push({
      id,
      title: parsed.data.title,
      body,
      locale: parsed.data.locale,
      keywords: parsed.data.keywords,
      serviceIds: parsed.data.services,
      author: parsed.data.author,
      updatedAt: updated instanceof Date ? updated : new Date(`${updated ?? '2026-01-01'}T12:00:00.000Z`),
    });
  }
  if (problems.length) throw new KnowledgeConfigError(`KNOWLEDGE_DIR ${dir} has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, problems);
  return out;
}
