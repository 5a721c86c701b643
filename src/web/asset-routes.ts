import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { APP_JS } from './assets/app-js.js';
import { iconPng } from './assets/icon.js';
import { MANIFEST } from './assets/manifest.js';
import { STYLE_CSS } from './assets/style-css.js';
import { SW_JS } from './assets/sw-js.js';

const requireHere = createRequire(import.meta.url);

/** Script, style, service worker, manifest and icons: public (they hold no data), built once. */
export async function assetRoutes(app: FastifyInstance): Promise<void> {
  const icons = new Map<number, Buffer>();
  const icon = (size: number) => icons.get(size) ?? icons.set(size, iconPng(size)).get(size)!;
  const cacheable = 'public, max-age=300';

  app.get('/static/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', cacheable).send(APP_JS));
  app.get('/static/style.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', cacheable).send(STYLE_CSS));
  // The service worker is checked for updates on every visit: never cached.
  app.get('/sw.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('service-worker-allowed', '/').send(SW_JS),
  );
  app.get('/manifest.webmanifest', async (_req, reply) =>
    reply.type('application/manifest+json; charset=utf-8').header('cache-control', cacheable).send(JSON.stringify(MANIFEST)),
  );
  // The charting library, served by vigil itself from its own dependencies (no CDN: the CSP is 'self').
  const vendored = new Map<string, Buffer>();
  const vendor = (file: string) => vendored.get(file) ?? vendored.set(file, fs.readFileSync(requireHere.resolve(file))).get(file)!;
  app.get('/static/uplot.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', cacheable).send(vendor('uplot/dist/uPlot.iife.min.js')),
  );
  app.get('/static/uplot.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', cacheable).send(vendor('uplot/dist/uPlot.min.css')));
  app.get('/icon.png', async (_req, reply) => reply.type('image/png').header('cache-control', cacheable).send(icon(192)));
  app.get('/icon-512.png', async (_req, reply) => reply.type('image/png').header('cache-control', cacheable).send(icon(512)));
}
