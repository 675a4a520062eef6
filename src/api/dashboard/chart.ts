import { html, type Html } from './html.js';

/**
 * Attempts (light) and answers (dark) per time bucket as an SVG bar chart, with the same
 * numbers as a table for screen readers and for anyone who prefers numbers.
 */
export function attemptsChart(data: { bucketSeconds: number; points: { at: Date; attempts: number; answered: number }[] }, labels: { title: string; attempts: string; answered: string; when: string }): Html {
  if (data.points.length === 0) return html``;
  const width = 640;
  const height = 160;
  const max = Math.max(...data.points.map((p) => p.attempts), 1);
  const step = width / data.points.length;
  const bar = (value: number, x: number, w: number, fill: string) => {
    const h = Math.round((value / max) * (height - 20));
    return html`<rect x="${x.toFixed(1)}" y="${height - h}" width="${w.toFixed(1)}" height="${h}" fill="${fill}"></rect>`;
  };
  const time = (d: Date) => d.toISOString().slice(11, 19);
  return html`<figure>
<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${labels.title}">
${data.points.map((p, i) => [bar(p.attempts, i * step + 1, step - 2, '#9dbcf0'), bar(p.answered, i * step + step / 4, step / 2 - 1, '#0b57d0')])}
</svg>
<figcaption><span style="color:#5f86c8">■</span> ${labels.attempts} <span style="color:#0b57d0">■</span> ${labels.answered} (${data.bucketSeconds} s)</figcaption>
<details><summary>${labels.title}</summary><table><thead><tr><th scope="col">${labels.when}</th><th scope="col">${labels.attempts}</th><th scope="col">${labels.answered}</th></tr></thead>
<tbody>${data.points.map((p) => html`<tr><td>${time(p.at)}</td><td>${p.attempts}</td><td>${p.answered}</td></tr>`)}</tbody></table></details>
</figure>`;
}
