/** Page helpers shared by the webview tests and the documentation screenshots. */
import type { Page } from 'playwright-core';
import { settle } from './server';

/** Image point → page coordinates (CSS px) through the webview's own transform. */
export async function toPage(p: Page, ix: number, iy: number): Promise<[number, number]> {
  return p.evaluate(([x, y]) => {
    const app = (window as never as { __anomalyLens: { view: { canvas: HTMLCanvasElement; toScreen(a: number, b: number): [number, number] } } }).__anomalyLens;
    const r = app.view.canvas.getBoundingClientRect();
    const [sx, sy] = app.view.toScreen(x, y);
    return [r.left + sx, r.top + sy] as [number, number];
  }, [ix, iy]);
}

/** Waits until the fake host has received `n` saves. */
export function savedAtLeast(p: Page, n: number, timeout = 10_000): Promise<unknown> {
  return p.waitForFunction((k) => (window as never as { __host: { saved: unknown[] } }).__host.saved.length >= k, n, { timeout });
}

/** The screenshot scene on the gray8 image: a brush stroke and a polygon, both saved, the cursor on the image. */
export async function drawSampleRegions(p: Page): Promise<void> {
  // Fonts (codicons) and the theme settle the layout first, so the page points below stay on the image.
  await p.evaluate(() => document.fonts.ready.then(() => undefined));
  await settle(p);
  await p.keyboard.press('b');
  const a = await toPage(p, 60, 220);
  await p.mouse.move(...a);
  await p.mouse.down();
  await p.mouse.move(a[0] + 90, a[1] + 30, { steps: 5 });
  await p.mouse.up();
  await savedAtLeast(p, 1);
  await p.keyboard.press('p');
  for (const [x, y] of [[250, 170], [330, 175], [345, 270], [260, 280]] as const) await p.mouse.click(...(await toPage(p, x, y)));
  await p.keyboard.press('Enter');
  await savedAtLeast(p, 2, 30_000);
  await p.mouse.move(...(await toPage(p, 300, 225)));
  await settle(p);
}
