import type { ChartsData } from './charts.js';
import { esc, layout, type PageName } from './html.js';

/**
 * The pictures (issue 17): events and actions per hour of a day, that day's decisions by
 * outcome, and 30 days of model tokens, estimated cost and cache share. The numbers are
 * in tables on the page (readable without the script, and by a screen reader); the
 * script draws them with uPlot, served by vigil itself.
 */
export function activityPage(opts: { csrf: string; data: ChartsData; today: string; firstDay: string; pages?: readonly PageName[] }): string {
  const { data } = opts;
  const title = data.day === opts.today ? 'today' : data.day;
  const hourRows = data.hours
    .filter((h) => data.events[h]! > 0 || data.actions[h]! > 0)
    .map((h) => `<tr><th scope="row">${String(h).padStart(2, '0')}:00</th><td>${data.events[h]}</td><td>${data.actions[h]}</td></tr>`)
    .join('');
  const o = data.outcomes;
  const dayRows = data.days
    .map(
      (d, i) =>
        `<tr><th scope="row">${esc(d)}</th><td>${data.tokens.input[i]!.toLocaleString('en')}</td><td>${data.tokens.output[i]!.toLocaleString('en')}</td><td>${data.tokens.cacheRead[i]!.toLocaleString('en')}</td><td>${Math.round(data.cacheShare[i]! * 100)}%</td><td>$${data.costUsd[i]!.toFixed(2)}</td></tr>`,
    )
    .join('');
  const body = `<section><h2>Activity ${esc(title)}</h2>
<form class="filters" method="get" action="/activity" aria-label="Day">
<label>Day <input type="date" name="day" value="${esc(data.day)}" min="${esc(opts.firstDay)}" max="${esc(opts.today)}"></label>
<button type="submit">Show</button></form>
<figure class="chart-box"><figcaption>Events and actions per hour</figcaption><div class="chart" id="chart-hourly" data-day="${esc(data.day)}"></div>
<details><summary>The numbers</summary>${hourRows ? `<table><thead><tr><th scope="col">Hour</th><th scope="col">Events</th><th scope="col">Actions</th></tr></thead><tbody>${hourRows}</tbody></table>` : '<p class="muted">No events that day.</p>'}</details></figure>
<figure class="chart-box"><figcaption>Decisions by outcome</figcaption><div class="chart" id="chart-outcomes"></div>
<details><summary>The numbers</summary><table><tbody><tr><th scope="row">acted</th><td>${o.acted}</td></tr><tr><th scope="row">quiet (nothing to do)</th><td>${o.quiet}</td></tr><tr><th scope="row">set aside</th><td>${o.skipped}</td></tr><tr><th scope="row">decided together with another</th><td>${o.coalesced}</td></tr></tbody></table></details></figure>
</section>
<section><h2>Model tokens, last 30 days</h2>
<figure class="chart-box"><figcaption>Tokens per day (input, output, read from the cache)</figcaption><div class="chart" id="chart-tokens"></div></figure>
<figure class="chart-box"><figcaption>Estimated cost per day (US$) and cache share</figcaption><div class="chart" id="chart-cost"></div>
<details><summary>The numbers</summary><table><thead><tr><th scope="col">Day</th><th scope="col">Input</th><th scope="col">Output</th><th scope="col">Cache read</th><th scope="col">Cache share</th><th scope="col">Cost</th></tr></thead><tbody>${dayRows}</tbody></table></details></figure>
</section>`;
  const head = '<link rel="stylesheet" href="/static/uplot.css">\n<script src="/static/uplot.js" defer></script>';
  return layout({ title: 'Activity', page: 'activity', csrf: opts.csrf, head, body, ...(opts.pages ? { pages: opts.pages } : {}) });
}
