/**
 * The pieces of #13 that need no server: the attachment policy (types, sizes, content sniffing,
 * names), the radicado found in a file message, the content-addressed store and the settings.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkContent, checkType, extensionOf, findRadicadoIn, safeFileName, sniffImage } from '../../src/domain/attachments';
import { ConfigError, readEnv } from '../../src/config';
import { BlobCorruptedError, FileBlobStore } from '../../src/storage/blob-stores/file-blob-store';

const policy = { maxBytes: 100, types: ['png', 'pdf', 'txt', 'docx'] };
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe('the attachment policy', () => {
  it('allows only the configured extensions', () => {
    expect(checkType('png', policy)).toEqual({ ok: true });
    expect(checkType('exe', policy)).toEqual({ ok: false, reason: 'type' });
    expect(checkType('', policy)).toEqual({ ok: false, reason: 'type' });
  });

  it('refuses empty and oversized files, and binary formats whose first bytes do not match', () => {
    expect(checkContent('png', PNG, policy)).toEqual({ ok: true });
    expect(checkContent('png', Buffer.alloc(0), policy)).toEqual({ ok: false, reason: 'empty' });
    expect(checkContent('png', Buffer.concat([PNG, Buffer.alloc(100)]), policy)).toEqual({ ok: false, reason: 'too_big' });
    expect(checkContent('png', Buffer.from('MZ\x90\x00'), policy)).toEqual({ ok: false, reason: 'content' });
    expect(checkContent('pdf', Buffer.from('%PDF-1.4'), policy)).toEqual({ ok: true });
    expect(checkContent('docx', Buffer.from('PK\x03\x04rest'), policy)).toEqual({ ok: true });
    expect(checkContent('docx', Buffer.from('{\\rtf1'), policy)).toEqual({ ok: false, reason: 'content' });
    expect(checkContent('txt', Buffer.from('error 809\n'), policy)).toEqual({ ok: true });
    expect(checkContent('txt', Buffer.from([0x4d, 0x5a, 0x00, 0x01]), policy)).toEqual({ ok: false, reason: 'content' });
  });

  it('recognises pasted images by their bytes', () => {
    expect(sniffImage(PNG)).toBe('png');
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpg');
    expect(sniffImage(Buffer.from('GIF89a'))).toBe('gif');
    expect(sniffImage(Buffer.from('<svg/>'))).toBeNull();
  });

  it('keeps file names displayable: no path, no control characters, bounded, extension kept', () => {
    expect(safeFileName('C:\\Users\\ana\\captura.PNG', 'x')).toBe('captura.PNG');
    expect(safeFileName('../../etc/passwd', 'x')).toBe('passwd');
    expect(safeFileName('a\u0000b\u001f.txt', 'x')).toBe('ab.txt');
    expect(safeFileName('   ', 'archivo.bin')).toBe('archivo.bin');
    const long = safeFileName(`${'a'.repeat(300)}.pdf`, 'x');
    expect(long.length).toBeLessThanOrEqual(120);
    expect(extensionOf(long)).toBe('pdf');
  });
});

describe('the radicado written with a file', () => {
  const opts = { prefix: 'MDA', year: 2026 };
  it.each([
    ['MDA-2026-000123', 'MDA-2026-000123'],
    ['captura del mda-2026-123 por favor', 'MDA-2026-000123'],
    ['Para el caso MDA 2026 42.', 'MDA-2026-000042'],
    ['(MDA-2025-000007)', 'MDA-2025-000007'],
  ])('finds %j', (text, expected) => {
    expect(findRadicadoIn(text, opts)).toBe(expected);
  });

  it.each(['error 809 desde el 2026', 'XMDA-2026-000123', 'ABC-2026-000123', 'MDA-2026-1234567', ''])('does not take %j for one', (text) => {
    expect(findRadicadoIn(text, opts)).toBeNull();
  });
});

describe('the content-addressed file store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blobs-'));
  const store = new FileBlobStore(dir);

  it('stores bytes under their SHA-256, once, and reads them back verified', async () => {
    const bytes = Buffer.from('captura de pantalla');
    const sha = await store.put(bytes);
    expect(sha).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await store.put(bytes)).toBe(sha);
    expect(fs.readdirSync(path.join(dir, sha.slice(0, 2)))).toEqual([sha]);
    expect((await store.get(sha))!.equals(bytes)).toBe(true);
    expect(await store.get('0'.repeat(64))).toBeNull();
  });

  it('refuses to hand out a file altered on disk', async () => {
    const sha = await store.put(Buffer.from('original'));
    fs.writeFileSync(store.pathOf(sha), 'altered!');
    await expect(store.get(sha)).rejects.toBeInstanceOf(BlobCorruptedError);
  });

  it('never builds a path from something that is not a checksum', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow();
  });
});

describe('attachment settings', () => {
  const ANON = { BOT_ALLOW_ANONYMOUS: 'true', DB_PATH: '/srv/mesa/data/mesa.db' };

  it('defaults to 10 MB, the usual office and image types, and a folder beside the database', () => {
    const cfg = readEnv(ANON);
    expect(cfg.attachments).toEqual({
      dir: '/srv/mesa/data/attachments',
      maxBytes: 10 * 1024 * 1024,
      types: ['png', 'jpg', 'jpeg', 'gif', 'pdf', 'txt', 'log', 'docx', 'xlsx'],
      timeoutMs: 20_000,
    });
  });

  it('reads the limits and normalises the types', () => {
    const cfg = readEnv({ ...ANON, ATTACHMENTS_DIR: '/var/files', ATTACHMENT_MAX_BYTES: '2048', ATTACHMENT_TYPES: ' PNG, .pdf ,png' });
    expect(cfg.attachments).toMatchObject({ dir: '/var/files', maxBytes: 2048, types: ['png', 'pdf'] });
  });

  it('says which values are wrong', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        readEnv({ ...ANON, ...env });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).message;
      }
      throw new Error('readEnv accepted it');
    };
    expect(problems({ ATTACHMENT_MAX_BYTES: '0' })).toContain('ATTACHMENT_MAX_BYTES');
    expect(problems({ ATTACHMENT_TYPES: 'png,*.exe' })).toContain('ATTACHMENT_TYPES: *.exe are not file extensions');
  });
});
