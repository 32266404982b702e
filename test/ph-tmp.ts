import { recognize } from '../src/domain/phrases';
for (const t of ['historial del radicado MDA-2026-000123', 'history of ticket MDA-2026-000123', 'historial del radicado', 'historial', 'mi historial', 'exportar el historial del caso 123', 'historial MDA-2026-000007', 'estado del radicado MDA-2026-000123'])
  console.log(t, JSON.stringify(recognize(t, { prefix: 'MDA', year: 2026 })));
