/**
 * Draws the Teams app icons: a support headset (band, ear cups, microphone boom) as signed-distance
 * shapes, anti-aliased by supersampling.
 *   color.png   192×192, white headset on the accent colour, fully opaque
 *   outline.png  32×32,  white headset on transparent (Teams accepts only white + transparent)
 * Run once after changing the drawing: `npm run build && node dist/cli/make-icons.js [dir]`.
 * Uses pngjs, a dev dependency: this is a developer tool, not part of the running bot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { ROOT } from '../paths';

/** Must match `accentColor` in teamsAppManifest/manifest.json. */
export const ACCENT = '#3366CC';

type Sdf = (x: number, y: number) => number;

const len = (x: number, y: number) => Math.hypot(x, y);

/** Upper half of a ring (centre cx,cy; radius r; stroke width w) with round caps. */
const upperArc =
  (cx: number, cy: number, r: number, w: number): Sdf =>
  (x, y) =>
    y <= cy
      ? Math.abs(len(x - cx, y - cy) - r) - w / 2
      : Math.min(len(x - (cx - r), y - cy), len(x - (cx + r), y - cy)) - w / 2;

/** Ring arc from angle a0 to a1 (radians, y down, so positive angles go clockwise), round caps. */
const arc =
  (cx: number, cy: number, r: number, w: number, a0: number, a1: number): Sdf =>
  (x, y) => {
    let a = Math.atan2(y - cy, x - cx);
    if (a < a0 - Math.PI) a += 2 * Math.PI;
    if (a >= a0 && a <= a1) return Math.abs(len(x - cx, y - cy) - r) - w / 2;
    const end = (t: number) => len(x - (cx + r * Math.cos(t)), y - (cy + r * Math.sin(t)));
    return Math.min(end(a0), end(a1)) - w / 2;
  };

/** Rounded rectangle centred at cx,cy with half sizes hx,hy and corner radius rad. */
const roundRect =
  (cx: number, cy: number, hx: number, hy: number, rad: number): Sdf =>
  (x, y) => {
    const qx = Math.abs(x - cx) - hx + rad;
    const qy = Math.abs(y - cy) - hy + rad;
    return len(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - rad;
  };

const union =
  (...shapes: Sdf[]): Sdf =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));

/** The headset in unit coordinates (0..1, y down), scaled by `scale` around the centre. */
function headset(scale: number, stroke: number): Sdf {
  const shape = union(
    upperArc(0.5, 0.5, 0.3, stroke), // head band
    roundRect(0.2, 0.57, 0.075, 0.13, 0.055), // left ear cup
    roundRect(0.8, 0.57, 0.075, 0.13, 0.055), // right ear cup
    arc(0.5, 0.55, 0.3, stroke * 0.75, 0.35, 1.32), // microphone boom, from the right cup forward
    roundRect(0.53, 0.84, 0.075, 0.042, 0.042), // microphone
  );
  return (x, y) => shape((x - 0.5) / scale + 0.5, (y - 0.5) / scale + 0.5) * scale;
}

/** Fraction of the pixel (px,py) of a size×size image covered by the shape (4×4 samples). */
function coverage(shape: Sdf, px: number, py: number, size: number): number {
  const n = 4;
  let inside = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (shape((px + (i + 0.5) / n) / size, (py + (j + 0.5) / n) / size) <= 0) inside++;
    }
  }
  return inside / (n * n);
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** 192×192, opaque: the accent colour with a white headset in the middle ~60%. */
export function drawColorIcon(): PNG {
  const size = 192;
  const png = new PNG({ width: size, height: size });
  const [r, g, b] = hexToRgb(ACCENT);
  const shape = headset(0.78, 0.075);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = coverage(shape, x, y, size);
      const i = (y * size + x) * 4;
      png.data[i] = Math.round(r + (255 - r) * c);
      png.data[i + 1] = Math.round(g + (255 - g) * c);
      png.data[i + 2] = Math.round(b + (255 - b) * c);
      png.data[i + 3] = 255;
    }
  }
  return png;
}

/** 32×32: white everywhere, the headset's coverage as alpha (0 = transparent). */
export function drawOutlineIcon(): PNG {
  const size = 32;
  const png = new PNG({ width: size, height: size });
  const shape = headset(1.05, 0.09);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = 255;
      png.data[i + 3] = Math.round(255 * coverage(shape, x, y, size));
    }
  }
  return png;
}

function main(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, png] of [
    ['color.png', drawColorIcon()],
    ['outline.png', drawOutlineIcon()],
  ] as const) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, PNG.sync.write(png));
    console.log(`wrote ${file} (${png.width}×${png.height})`);
  }
}

if (require.main === module) main(path.resolve(process.argv[2] ?? path.join(ROOT, 'teamsAppManifest')));
