/**
 * The simulated guest console: a small screen that names the guest and
 * echoes what the VNC client typed, so a client can prove that it reached
 * the right guest and that its input arrives. Drawn with the 5×7 font at
 * twice its size; exported for tests that compare pixels.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font';

/** What the console shows. @public */
export interface ConsoleScreenModel {
  type: 'qemu' | 'lxc';
  vmid: number;
  /** the guest's name (qemu `name`, lxc `hostname`) */
  name: string;
  node: string;
  cluster: string;
  /** the input line (printable keys typed since the last Return) */
  typed: string;
  /** the last line ended with Return */
  entered?: string;
  /** the last special input: Ctrl-Alt-Del, clipboard text */
  notice?: string;
}

/** An RGB image, 3 bytes per pixel, rows top to bottom. @public */
export interface ConsoleImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export const SCREEN_WIDTH = 640;
export const SCREEN_HEIGHT = 176;
const SCALE = 2;
const CELL_WIDTH = (GLYPH_WIDTH + 1) * SCALE;
/** Height of one text line in pixels. */
export const LINE_HEIGHT = (GLYPH_HEIGHT + 3) * SCALE;
const MARGIN = 8;
const MAX_CHARS = Math.floor((SCREEN_WIDTH - 2 * MARGIN) / CELL_WIDTH);

type Rgb = readonly [number, number, number];
const BACKGROUND: Rgb = [24, 28, 40];
const HEADER: Rgb = [40, 90, 160];
const TEXT: Rgb = [230, 230, 230];
const INPUT: Rgb = [120, 220, 120];
const NOTICE: Rgb = [240, 200, 80];

/** One line of the screen: its text and colours. */
interface Line {
  text: string;
  fg: Rgb;
  bg: Rgb;
}

/** The last `MAX_CHARS` characters of `text` (an input line scrolls). */
function tail(text: string): string {
  return text.length > MAX_CHARS ? text.slice(-MAX_CHARS) : text;
}

function lines(m: ConsoleScreenModel): Line[] {
  const kind = m.type === 'lxc' ? 'CT' : 'VM';
  return [
    {
      text: tail('Proxmox VE console - MycoPod simulator'),
      fg: TEXT,
      bg: HEADER,
    },
    { text: tail(`${kind} ${m.vmid} ${m.name}`), fg: TEXT, bg: BACKGROUND },
    {
      text: tail(`node ${m.node} - cluster ${m.cluster}`),
      fg: TEXT,
      bg: BACKGROUND,
    },
    { text: '', fg: TEXT, bg: BACKGROUND },
    { text: tail(`> ${m.typed}_`), fg: INPUT, bg: BACKGROUND },
    {
      text: m.entered !== undefined ? tail(`entered: ${m.entered}`) : '',
      fg: TEXT,
      bg: BACKGROUND,
    },
    { text: tail(m.notice ?? ''), fg: NOTICE, bg: BACKGROUND },
  ];
}

/** The text of each screen line, top to bottom. @public */
export function consoleScreenText(m: ConsoleScreenModel): string[] {
  return lines(m).map(l => l.text);
}

/** The pixel rows `[y, y + height)` of screen line `index`. @public */
export function consoleLineBand(index: number): { y: number; height: number } {
  return { y: MARGIN / 2 + index * LINE_HEIGHT, height: LINE_HEIGHT };
}

function fill(img: ConsoleImage, y0: number, h: number, c: Rgb) {
  for (let y = y0; y < Math.min(img.height, y0 + h); y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 3;
      img.rgb[o] = c[0];
      img.rgb[o + 1] = c[1];
      img.rgb[o + 2] = c[2];
    }
  }
}

function drawText(
  img: ConsoleImage,
  text: string,
  x0: number,
  y0: number,
  c: Rgb,
) {
  [...text].forEach((ch, i) => {
    const rows = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (rows[gy][gx] !== '#') continue;
        for (let dy = 0; dy < SCALE; dy++) {
          for (let dx = 0; dx < SCALE; dx++) {
            const x = x0 + i * CELL_WIDTH + gx * SCALE + dx;
            const y = y0 + gy * SCALE + dy;
            if (x >= img.width || y >= img.height) continue;
            const o = (y * img.width + x) * 3;
            img.rgb[o] = c[0];
            img.rgb[o + 1] = c[1];
            img.rgb[o + 2] = c[2];
          }
        }
      }
    }
  });
}

/** Draws the console screen of `m`. @public */
export function renderConsoleScreen(m: ConsoleScreenModel): ConsoleImage {
  const img: ConsoleImage = {
    width: SCREEN_WIDTH,
    height: SCREEN_HEIGHT,
    rgb: new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT * 3),
  };
  fill(img, 0, SCREEN_HEIGHT, BACKGROUND);
  lines(m).forEach((line, i) => {
    const band = consoleLineBand(i);
    if (line.bg !== BACKGROUND) fill(img, band.y, band.height, line.bg);
    drawText(img, line.text, MARGIN, band.y + SCALE * 1.5, line.fg);
  });
  return img;
}

/** Indexes of the lines whose text differs between two models. */
export function changedLines(
  a: ConsoleScreenModel,
  b: ConsoleScreenModel,
): number[] {
  const la = consoleScreenText(a);
  const lb = consoleScreenText(b);
  return la.flatMap((text, i) => (text === lb[i] ? [] : [i]));
}
