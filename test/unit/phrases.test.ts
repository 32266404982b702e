import fc from 'fast-check';
import { COMMANDS, cleanText, Intent, normalizeRadicado, recognize, RecognizeOptions } from '../../src/domain/phrases';

const opts: RecognizeOptions = { prefix: 'MDA', year: 2026 };

describe('recognize', () => {
  const cases: [string, Intent][] = [
    // Status with a radicado, Spanish
    ['estado del radicado MDA-2026-000123', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ['¿cómo va el radicado mda-2026-123?', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ['radicado 123', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ['consultar radicado 2026-77', { kind: 'status', radicado: 'MDA-2026-000077' }],
    ['Estado de mi solicitud MDA 2026 5', { kind: 'status', radicado: 'MDA-2026-000005' }],
    ['¿Cuál es el estado del caso No. 88?', { kind: 'status', radicado: 'MDA-2026-000088' }],
    ['quiero saber el estado del radicado #9', { kind: 'status', radicado: 'MDA-2026-000009' }],
    ['¿Qué pasó con el radicado mda2025000321?', { kind: 'status', radicado: 'MDA-2025-000321' }],
    ['ESTADO DEL RADICADO MDA–2026–000123', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ['caso 7', { kind: 'status', radicado: 'MDA-2026-000007' }],
    // Status with a radicado, English
    ['status of radicado MDA-2026-000123', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ['status MDA-2026-000123', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ["what's the status of ticket 45", { kind: 'status', radicado: 'MDA-2026-000045' }],
    ['What is the status of my request 2025-10?', { kind: 'status', radicado: 'MDA-2025-000010' }],
    ['how is ticket #12 going?', { kind: 'status', radicado: 'MDA-2026-000012' }],
    ['any update on case 31', { kind: 'status', radicado: 'MDA-2026-000031' }],
    ['check ticket 99', { kind: 'status', radicado: 'MDA-2026-000099' }],
    // Bare radicado
    ['MDA-2026-000123', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ['mda 2026 42', { kind: 'status', radicado: 'MDA-2026-000042' }],
    // Status without a number
    ['estado del radicado', { kind: 'status_missing' }],
    ['¿Estado de mi solicitud?', { kind: 'status_missing' }],
    ['consultar radicado', { kind: 'status_missing' }],
    ['status of radicado', { kind: 'status_missing' }],
    ['check the status of my ticket', { kind: 'status_missing' }],
    ['estado del radicado XYZ-2026-000001', { kind: 'status_missing' }],
    // My tickets
    ['mis casos', { kind: 'my_tickets' }],
    ['Mis solicitudes', { kind: 'my_tickets' }],
    ['ver mis radicados', { kind: 'my_tickets' }],
    ['quiero ver mis casos abiertos por favor', { kind: 'my_tickets' }],
    ['my tickets', { kind: 'my_tickets' }],
    ['my cases', { kind: 'my_tickets' }],
    ['show me my open requests', { kind: 'my_tickets' }],
    // New request
    ['nueva solicitud', { kind: 'new_request' }],
    ['crear solicitud', { kind: 'new_request' }],
    ['Quiero crear una nueva solicitud', { kind: 'new_request' }],
    ['necesito abrir un caso', { kind: 'new_request' }],
    ['radicar', { kind: 'new_request' }],
    ['reportar un problema', { kind: 'new_request' }],
    ['new request', { kind: 'new_request' }],
    ['open a ticket', { kind: 'new_request' }],
    ['I want to create a new ticket, please', { kind: 'new_request' }],
    ['report an issue', { kind: 'new_request' }],
    // Help
    ['ayuda', { kind: 'help' }],
    ['AYUDA!!', { kind: 'help' }],
    ['necesito ayuda', { kind: 'help' }],
    ['¿qué puedes hacer?', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['what can you do?', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['¿?', { kind: 'help' }],
    // Greeting
    ['hola', { kind: 'greeting' }],
    ['Hola, ¿cómo estás?', { kind: 'greeting' }],
    ['buenos días', { kind: 'greeting' }],
    ['Buenas tardes Mesa de Ayuda', { kind: 'greeting' }],
    ['hi', { kind: 'greeting' }],
    ['Hello there!', { kind: 'greeting' }],
    ['good morning', { kind: 'greeting' }],
    // Greeting followed by a command is the command
    ['hola, ayuda', { kind: 'help' }],
    ['Hola, por favor mis casos', { kind: 'my_tickets' }],
    ['hi, please open a ticket', { kind: 'new_request' }],
    // Queue and next (agents)
    ['cola', { kind: 'queue' }],
    ['ver cola', { kind: 'queue' }],
    ['ver la cola de trabajo', { kind: 'queue' }],
    ['queue', { kind: 'queue' }],
    ['show the queue', { kind: 'queue' }],
    ['siguiente', { kind: 'next' }],
    ['dame el siguiente caso', { kind: 'next' }],
    ['next', { kind: 'next' }],
    ['take next', { kind: 'next' }],
    // Take
    ['tomar MDA-2026-000123', { kind: 'take', radicado: 'MDA-2026-000123' }],
    ['tomar el radicado 15', { kind: 'take', radicado: 'MDA-2026-000015' }],
    ['take 123', { kind: 'take', radicado: 'MDA-2026-000123' }],
    ['take ticket 2026-4', { kind: 'take', radicado: 'MDA-2026-000004' }],
    ['tomar', { kind: 'take' }],
    ['take 0', { kind: 'take' }],
    ['tomar un café', { kind: 'unknown' }],
    // Register queue
    ['registrar cola', { kind: 'register_queue' }],
    ['registrar cola Correo electrónico', { kind: 'register_queue', category: 'Correo electrónico' }],
    ['Registrar este canal como cola de Redes', { kind: 'register_queue', category: 'Redes' }],
    ['register queue', { kind: 'register_queue' }],
    ['register queue for Email', { kind: 'register_queue', category: 'Email' }],
    // Metrics
    ['indicadores', { kind: 'metrics' }],
    ['ver los indicadores del mes', { kind: 'metrics' }],
    ['métricas', { kind: 'metrics' }],
    ['metrics', { kind: 'metrics' }],
    ['show stats for this week', { kind: 'metrics' }],
    // Export (supervisors)
    ['exportar casos 2026-11-01 2026-11-30', { kind: 'export', from: '2026-11-01', to: '2026-11-30' }],
    ['Exportar los radicados del 2026-11-01 al 2026-11-30', { kind: 'export', from: '2026-11-01', to: '2026-11-30' }],
    ['export tickets from 2026-11-01 to 2026-11-30', { kind: 'export', from: '2026-11-01', to: '2026-11-30' }],
    ['<at>Mesa de Ayuda</at> exportar casos 2026-11-01 2026-11-30 por favor', { kind: 'export', from: '2026-11-01', to: '2026-11-30' }],
    ['exportar casos', { kind: 'export' }],
    ['exportar mi computador', { kind: 'unknown' }],
    // Cancel
    ['cancelar radicado 12', { kind: 'cancel', radicado: 'MDA-2026-000012' }],
    ['Anular la solicitud MDA-2026-000300', { kind: 'cancel', radicado: 'MDA-2026-000300' }],
    ['cancel ticket MDA-2026-000007', { kind: 'cancel', radicado: 'MDA-2026-000007' }],
    ['cancelar', { kind: 'cancel' }],
    ['cancelar mi suscripción', { kind: 'unknown' }],
    // Unknown
    ['the printer is on fire', { kind: 'unknown' }],
    // A problem described directly is a request (issue 19): the bot offers the templates that fit.
    ['buenos días, mi computador no prende', { kind: 'problem', text: 'buenos días, mi computador no prende' }],
    ['', { kind: 'unknown' }],
    ['   ', { kind: 'unknown' }],
    ['!!!...,,,;;', { kind: 'unknown' }],
    ['@#$%^&*()', { kind: 'unknown' }],
    ['123', { kind: 'unknown' }],
    ['radicado', { kind: 'unknown' }],
    ['estado de mi computador', { kind: 'unknown' }],
    ['ABC-2026-000123', { kind: 'unknown' }],
    ['mi caso es urgente', { kind: 'unknown' }],
  ];

  it.each(cases)('recognises %j', (text, expected) => {
    expect(recognize(text, opts)).toEqual(expected);
  });
});

describe('recognize with Teams HTML and mentions', () => {
  const cases: [string, Intent][] = [
    ['<at>Mesa de Ayuda</at> mis casos', { kind: 'my_tickets' }],
    ['<p><at>Mesa de Ayuda</at>&nbsp;ayuda</p>', { kind: 'help' }],
    ['<div><at id="0">Mesa de Ayuda</at> tomar MDA-2026-000123</div>', { kind: 'take', radicado: 'MDA-2026-000123' }],
    ['<p>estado&nbsp;del&nbsp;radicado&nbsp;<b>MDA-2026-000123</b></p>', { kind: 'status', radicado: 'MDA-2026-000123' }],
    ['<p>nueva solicitud<br></p>', { kind: 'new_request' }],
    ['<at>Mesa de Ayuda</at>', { kind: 'unknown' }],
    ['<at>Mesa de Ayuda</at> hola', { kind: 'greeting' }],
    ['@Mesa de Ayuda cola', { kind: 'queue' }],
    ['@Mesa de Ayuda siguiente', { kind: 'next' }],
    ['@mesa de ayuda registrar cola Correo electrónico', { kind: 'register_queue', category: 'Correo electrónico' }],
    ['<p><at>Mesa de Ayuda</at> registrar cola <strong>Soporte&nbsp;técnico</strong></p>', {
      kind: 'register_queue',
      category: 'Soporte técnico',
    }],
    ['<p>&iquest;C&oacute;mo va el radicado 5?</p>', { kind: 'status', radicado: 'MDA-2026-000005' }],
  ];

  it.each(cases)('recognises %j', (text, expected) => {
    expect(recognize(text, opts)).toEqual(expected);
  });
});

describe('COMMANDS', () => {
  const entries = [...COMMANDS.personal, ...COMMANDS.team].flatMap((c) => [
    [c.es, c.intent] as const,
    [c.en, c.intent] as const,
  ]);

  it.each(entries)('recognises the advertised command %j as %s', (text, intent) => {
    expect(recognize(text, opts).kind).toBe(intent);
  });

  it('advertises five personal commands and five team commands', () => {
    expect(COMMANDS.personal.map((c) => c.intent)).toEqual(['new_request', 'my_tickets', 'my_approvals', 'status_missing', 'help']);
    expect(COMMANDS.team.map((c) => c.intent)).toEqual(['queue', 'next', 'register_queue', 'move_queue', 'declare_incident']);
  });

  it('reads "incidente mayor" with the radicado and the title as typed', () => {
    const opts = { prefix: 'MDA', year: 2026 };
    expect(recognize('incidente mayor', opts)).toEqual({ kind: 'declare_incident' });
    expect(recognize('Incidente mayor: La VPN no conecta para nadie', opts)).toEqual({ kind: 'declare_incident', title: 'La VPN no conecta para nadie' });
    expect(recognize('declarar incidente mayor MDA-2026-000123 Correo caído', opts)).toEqual({ kind: 'declare_incident', radicado: 'MDA-2026-000123', title: 'Correo caído' });
    expect(recognize('major incident mda-2026-7', opts)).toEqual({ kind: 'declare_incident', radicado: 'MDA-2026-000007' });
    // Words about an incident are no command.
    expect(recognize('tuvimos un incidente mayor ayer con la vpn', opts).kind).not.toBe('declare_incident');
  });
});

describe('normalizeRadicado', () => {
  const valid: [string, string][] = [
    ['MDA-2026-000123', 'MDA-2026-000123'],
    ['mda-2026-123', 'MDA-2026-000123'],
    ['MDA 2026 123', 'MDA-2026-000123'],
    ['mda2026000123', 'MDA-2026-000123'],
    ['Mda-2025-1', 'MDA-2025-000001'],
    ['2026-123', 'MDA-2026-000123'],
    ['2024 999999', 'MDA-2024-999999'],
    ['123', 'MDA-2026-000123'],
    ['#123', 'MDA-2026-000123'],
    ['000123', 'MDA-2026-000123'],
    ['  42  ', 'MDA-2026-000042'],
  ];

  it.each(valid)('normalises %j to %s', (input, expected) => {
    expect(normalizeRadicado(input, opts)).toBe(expected);
  });

  const invalid: string[] = [
    '',
    'abc',
    '0',
    '000000',
    '1234567',
    'XYZ-2026-000123',
    'MDAX-2026-000123',
    'MDA-1999-000123',
    'MDA-2101-000001',
    'MDA-2026-0000001',
    'MDA-2026',
    '2026-',
    '12.5',
    '-5',
    'MDA-2026-000123 extra',
    '1'.repeat(1000),
  ];

  it.each(invalid)('rejects %j', (input) => {
    expect(normalizeRadicado(input, opts)).toBeNull();
  });

  it('uses the configured prefix and rejects the default one when it differs', () => {
    const other = { prefix: 'HD', year: 2027 };
    expect(normalizeRadicado('hd-2026-7', other)).toBe('HD-2026-000007');
    expect(normalizeRadicado('7', other)).toBe('HD-2027-000007');
    expect(normalizeRadicado('MDA-2026-000007', other)).toBeNull();
  });
});

describe('cleanText', () => {
  const cases: [string, string][] = [
    ['<p>hola</p>', 'hola'],
    ['<at>Mesa de Ayuda</at> mis casos', 'mis casos'],
    ['<div><at id="0">Mesa de Ayuda</at>&nbsp;&nbsp;ayuda</div>', 'ayuda'],
    ['a&amp;b &lt;c&gt; &#39;d&#39; &#x41;', "a&b <c> 'd' A"],
    ['uno<br/>dos</p><p>tres', 'uno dos tres'],
    ['  muchos \n\t espacios\u00a0aquí\u200b ', 'muchos espacios aquí'],
    ['<attachment id="1"></attachment>texto', 'texto'],
    ['&bogus; &#9999999;', '&bogus;'],
  ];

  it.each(cases)('cleans %j to %j', (input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });
});

describe('robustness', () => {
  it('returns unknown for a 100,000-character input without hanging', () => {
    expect(recognize('a'.repeat(100_000), opts)).toEqual({ kind: 'unknown' });
    expect(recognize('estado del radicado ' + '1 '.repeat(50_000), opts)).toEqual({ kind: 'unknown' });
    expect(recognize('<at>'.repeat(25_000), opts)).toEqual({ kind: 'unknown' });
  });

  it('handles a long pathological input under the cap without hanging', () => {
    expect(recognize('estado del radicado ' + 'de '.repeat(600), opts).kind).toBe('status_missing');
    expect(recognize('<p '.repeat(5_000), opts)).toEqual({ kind: 'unknown' });
  });

  it('never throws on non-string or odd inputs', () => {
    for (const input of [null, undefined, 42, {}, [], '\u0000', '\ud800', '<', '&#xD800;', '<at>x']) {
      expect(() => recognize(input as unknown as string, opts)).not.toThrow();
      expect(() => normalizeRadicado(input as unknown as string, opts)).not.toThrow();
      expect(() => cleanText(input as unknown as string)).not.toThrow();
    }
    expect(() => recognize('radicado 5', { prefix: undefined, year: NaN } as unknown as RecognizeOptions)).not.toThrow();
  });

  it('never throws and always returns a known intent for arbitrary text', () => {
    const kinds = new Set<string>([
      'greeting', 'help', 'new_request', 'problem', 'my_tickets', 'status', 'status_missing', 'take',
      'queue', 'next', 'register_queue', 'metrics', 'cancel', 'export', 'unknown',
    ]);
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 300 }), (text) => {
        expect(kinds.has(recognize(text, opts).kind)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('a radicado named in a remark about the case', () => {
  const opts = { prefix: 'MDA', year: 2026 };
  it('keeps the words when the message says something about the case instead of asking', () => {
    expect(recognize('MDA-2026-000002 es una HP LaserJet del piso 3', opts)).toEqual({
      kind: 'status',
      radicado: 'MDA-2026-000002',
      remark: 'MDA-2026-000002 es una HP LaserJet del piso 3',
    });
  });
  it.each(['¿cómo va el MDA-2026-000002?', 'estado MDA-2026-000002 porfa', 'MDA-2026-000002', 'buenas tardes, radicado MDA-2026-000002', 'any update on MDA-2026-000002'])(
    'reads "%s" as a status question only',
    (text) => {
      expect(recognize(text, opts)).toEqual({ kind: 'status', radicado: 'MDA-2026-000002' });
    },
  );
});

describe('recognize, remembered', () => {
  it('answers a message seen before as it did then, for those options only', () => {
    const first = recognize('estado 45', opts);
    expect(recognize('estado 45', opts)).toBe(first);
    expect(first).toEqual({ kind: 'status', radicado: 'MDA-2026-000045' });
    expect(Object.isFrozen(first)).toBe(true);
    // Another year, another prefix, commands only: each has its own answer.
    expect(recognize('estado 45', { prefix: 'MDA', year: 2027 })).toEqual({ kind: 'status', radicado: 'MDA-2027-000045' });
    expect(recognize('estado 45', { prefix: 'SD', year: 2026 })).toEqual({ kind: 'status', radicado: 'SD-2026-000045' });
    expect(recognize('la vpn no conecta', { ...opts, commandsOnly: true })).toEqual({ kind: 'unknown' });
    expect(recognize('la vpn no conecta', opts).kind).toBe('problem');
  });
});
