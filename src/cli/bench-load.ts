/**
 * Benchmark load generator, run as a child process (so the bot under test has the parent's event
 * loop to itself). It hosts the loopback connector (the bots' serviceUrl) and drives closed-loop
 * load: `concurrency` workers, each posting one Teams-shaped activity and waiting for the answer.
 * Talks to the parent over IPC: {cmd:'run'|'counts'|'reset'|'exit'} → {id, result}.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { BenchConnector } from './bench-connector';

export const TENANT = 'tenant-1';
export const BOT = { id: '28:bot-id', name: 'Mesa de Ayuda' };
/** Users of config/directory.json (oid must match). */
export const DIRECTORY_USERS = [
  { id: '29:ana', oid: '00000000-0000-0000-0000-0000000000e1', name: 'Ana Empleada' },
  { id: '29:jorge', oid: '00000000-0000-0000-0000-0000000000a1', name: 'Jorge Jefe de Área' },
  { id: '29:sara', oid: '00000000-0000-0000-0000-0000000000s1', name: 'Sara Secretaria' },
  { id: '29:ivan', oid: '00000000-0000-0000-0000-0000000000g1', name: 'Iván Ingeniero' },
  { id: '29:laura', oid: '00000000-0000-0000-0000-0000000000g2', name: 'Laura Ingeniera' },
  { id: '29:sofia', oid: '00000000-0000-0000-0000-0000000000p1', name: 'Sofía Supervisora' },
];
export const SUPERVISOR = DIRECTORY_USERS[5];
/** Seeded tickets belong to this many synthetic requesters: ticket n → bench user n % SEED_USERS. */
export const SEED_USERS = 1000;
export const seedUser = (n: number) => ({ id: `29:bench-${n % SEED_USERS}`, oid: `bench-oid-${n % SEED_USERS}`, name: `Usuario ${n % SEED_USERS}` });

export type Scenario = 'help' | 'ticket' | 'status' | 'queue' | 'echo-message' | 'echo-invoke' | 'fair-message' | 'fair-invoke';

/** Requesters of the ticket scenario: synthetic employees, so few of them file twice in a run. */
export const TICKET_USERS = 20_000;
/** The employee who files ticket n of the ticket scenario. */
export const filer = (n: number) => ({ id: `29:filer-${n % TICKET_USERS}`, oid: `filer-oid-${n % TICKET_USERS}`, name: `Funcionario ${n % TICKET_USERS}` });
const PLACES = ['la casa', 'la sede norte', 'el piso 3', 'la oficina de archivo', 'la sala de juntas', 'el portátil nuevo', 'la biblioteca', 'la sede centro'];
const PROBLEMS = ['no conecta la VPN', 'se cae el escritorio remoto', 'pide la clave otra vez', 'dice error 809', 'no abre el cliente', 'queda cargando'];
/** A description of one's own: the duplicate check compares it with the requester's open cases. */
const description = (n: number) =>
  `Desde ${PLACES[n % PLACES.length]} ${PROBLEMS[Math.floor(n / PLACES.length) % PROBLEMS.length]}; caso de prueba ${n}, equipo ${(n * 7919) % 100000}.`;

export interface RunSpec {
  url: string;
  /** Several instances behind a load balancer: worker i posts to urls[i % urls.length]. */
  urls?: string[];
  scenario: Scenario;
  concurrency: number;
  warmupMs: number;
  /** Measured phase: ends at durationMs, or after `count` completed requests (whichever first). */
  durationMs: number;
  count?: number;
  /** For status: radicados MDA-{year}-000001 … {seeded}. */
  year?: number;
  seeded?: number;
  progress?: boolean;
}

export interface RunResult {
  scenario: Scenario;
  concurrency: number;
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  connectorPosts: number;
  /** Ticket scenario: tickets whose confirmation card came back, and duplicate offers answered on the way. */
  ticketsCreated?: number;
  offers?: number;
}

let seq = 0;
function activity(spec: RunSpec, serviceUrl: string): object {
  const user =
    spec.scenario === 'queue'
      ? SUPERVISOR
      : spec.scenario === 'echo-invoke' || spec.scenario === 'fair-invoke'
        ? DIRECTORY_USERS[seq % DIRECTORY_USERS.length]
        : DIRECTORY_USERS[0];
  const base = (u: { id: string; oid: string; name: string }) => ({
    id: `bench-${process.pid}-${++seq}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    locale: 'es-CO',
    from: { id: u.id, name: u.name, aadObjectId: u.oid },
    recipient: BOT,
    conversation: { id: `a:personal-${u.oid}`, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
  });
  switch (spec.scenario) {
    case 'help':
    case 'echo-message':
    case 'fair-message':
      return { ...base(user), type: 'message', text: 'ayuda' };
    case 'queue':
      return { ...base(user), type: 'message', text: 'cola' };
    case 'status': {
      const n = 1 + Math.floor(Math.random() * (spec.seeded ?? 1));
      return { ...base(seedUser(n)), type: 'message', text: `estado del radicado MDA-${spec.year}-${String(n).padStart(6, '0')}` };
    }
    case 'ticket':
    case 'echo-invoke':
    case 'fair-invoke': {
      // The filers' own count: the echoes' card actions beside them must not use up the 20,000 employees.
      const n = spec.scenario === 'ticket' ? ++ticketSeq : ++echoSeq;
      const requester = spec.scenario === 'ticket' ? filer(n) : user;
      return {
        ...base(requester),
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: {
          action: {
            type: 'Action.Execute',
            verb: 'ticket.submit',
            data: {
              templateId: 'solicitud-acceso-remoto',
              submissionKey: randomUUID(),
              accessType: 'vpn',
              startDate: '2026-12-01',
              description: description(n + process.pid * 100_000),
              phone: '300 123 4567',
              contactChannel: 'teams',
            },
          },
          trigger: 'manual',
        },
      };
    }
  }
}
let ticketSeq = 0;
let echoSeq = 0;

/**
 * The "Registrar uno nuevo" button of a duplicate offer, if the answer is one: what a person presses
 * next, with the card's inputs as they show (Teams sends their values with the button's data).
 */
function offerAction(body: string): Record<string, unknown> | null {
  if (!body.includes('"duplicateChoice":"new"')) return null;
  let found: Record<string, unknown> | null = null;
  const inputs: Record<string, unknown> = {};
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    const o = n as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string' && o.value !== undefined) inputs[o.id] = o.value;
    if (!found && o.type === 'Action.Execute' && o.verb === 'ticket.submit' && (o.data as Record<string, unknown> | undefined)?.duplicateChoice === 'new') found = o.data as Record<string, unknown>;
    else Object.values(o).forEach(walk);
  };
  walk(JSON.parse(body));
  return found ? { ...(found as Record<string, unknown>), ...inputs } : null;
}

/** The confirmation card of a ticket just filed (it refreshes itself as the 'created' view). */
const isCreated = (body: string) => body.includes('application/vnd.microsoft.card.adaptive') && /MDA-\d{4}-\d{6}/.test(body) && body.includes('"view":"created"');

/** What a correct answer looks like, per scenario (a 200 alone could be an apology card). */
function check(spec: RunSpec, status: number, body: string): string | null {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
  if (spec.scenario === 'ticket' && !isCreated(body)) return `no ticket-created card: ${body.slice(0, 300)}`;
  return null;
}

function post(agent: http.Agent, url: URL, payload: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: '/api/messages',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function run(spec: RunSpec, connector: BenchConnector): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const urls = (spec.urls ?? [spec.url]).map((u) => new URL(u));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let created = 0;
  let offers = 0;
  const start = Date.now();
  const measureFrom = start + spec.warmupMs;
  const hardEnd = measureFrom + spec.durationMs;
  let measuring = spec.warmupMs === 0;
  let postsAtMeasure = connector.counts.posts;
  let measuredAt = measuring ? performance.now() : 0;
  let endedAt = 0;
  let done = false;
  let progressTimer: NodeJS.Timeout | undefined;
  if (spec.progress) progressTimer = setInterval(() => process.send?.({ progress: latencies.length }), 250);

  const worker = async (_: unknown, index: number) => {
    const url = urls[index % urls.length];
    while (!done) {
      const now = Date.now();
      if (!measuring && now >= measureFrom) {
        measuring = true;
        measuredAt = performance.now();
        postsAtMeasure = connector.counts.posts;
      }
      if (now >= hardEnd) break;
      const payload = JSON.stringify(activity(spec, connector.url));
      const t0 = performance.now();
      const counted = measuring;
      let err: string | null;
      try {
        let res = await post(agent, url, payload);
        // Filing the real way: "Guardar", and where the duplicate check offers an open case, "Registrar uno nuevo".
        const next = spec.scenario === 'ticket' && res.status === 200 ? offerAction(res.body) : null;
        if (next) {
          if (counted) offers++;
          const again = JSON.parse(payload);
          again.id = `${again.id}-new`;
          again.value.action.data = next;
          res = await post(agent, url, JSON.stringify(again));
        }
        err = check(spec, res.status, res.body);
        if (!err && counted && spec.scenario === 'ticket') created++;
      } catch (e) {
        err = (e as Error).message;
      }
      const t1 = performance.now();
      if (!counted || done) continue;
      latencies.push(t1 - t0);
      if (err) {
        errors++;
        firstError ??= err;
      }
      if (spec.count && latencies.length >= spec.count) {
        done = true;
        endedAt = t1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, (x, i) => worker(x, i)));
  if (!endedAt) endedAt = performance.now();
  if (progressTimer) clearInterval(progressTimer);
  agent.destroy();
  const seconds = (endedAt - measuredAt) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
  return {
    scenario: spec.scenario,
    concurrency: spec.concurrency,
    requests: latencies.length,
    errors,
    firstError,
    seconds,
    rps: latencies.length / seconds,
    p50: q(0.5),
    p99: q(0.99),
    mean: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1),
    connectorPosts: connector.counts.posts - postsAtMeasure,
    ...(spec.scenario === 'ticket' ? { ticketsCreated: created, offers } : {}),
  };
}

async function main() {
  const connector = await new BenchConnector().start();
  process.on('message', async (msg: { id: number; cmd: string; spec?: RunSpec }) => {
    try {
      if (msg.cmd === 'run') process.send!({ id: msg.id, result: await run(msg.spec!, connector) });
      else if (msg.cmd === 'counts') process.send!({ id: msg.id, result: { ...connector.counts } });
      else if (msg.cmd === 'exit') {
        await connector.stop();
        process.send!({ id: msg.id, result: null }, () => process.exit(0));
      }
    } catch (err) {
      process.send!({ id: msg.id, error: (err as Error).stack ?? String(err) });
    }
  });
  process.send!({ ready: true, connectorUrl: connector.url });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) void main();
