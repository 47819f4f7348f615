/** Draws the current measurement (a length line, or a rectangle / ellipse ROI) in screen space. */
import type { Measurement } from '../measure';
import type { ImageView } from './canvas';

export function drawMeasurement(g: CanvasRenderingContext2D, view: ImageView, m: Measurement): void {
  const [ax, ay] = view.toScreen(m.x0, m.y0);
  const [bx, by] = view.toScreen(m.x1, m.y1);
  g.beginPath();
  if (m.shape === 'length') {
    g.moveTo(ax, ay);
    g.lineTo(bx, by);
  } else if (m.shape === 'rect') {
    g.rect(Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay));
  } else {
    g.ellipse((ax + bx) / 2, (ay + by) / 2, Math.abs(bx - ax) / 2, Math.abs(by - ay) / 2, 0, 0, Math.PI * 2);
  }
  g.lineWidth = 3;
  g.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  g.stroke();
  g.lineWidth = 1.5;
  g.strokeStyle = 'rgb(255, 214, 0)';
  g.stroke();
  if (m.shape === 'length') {
    g.fillStyle = 'rgb(255, 214, 0)';
    for (const [x, y] of [[ax, ay], [bx, by]]) g.fillRect(x - 2.5, y - 2.5, 5, 5);
  }
}
