/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export type PageName = 'dashboard' | 'team' | 'activity' | 'tasks' | 'memory' | 'push' | 'login' | 'answer';

/** The pages a team node serves (issue 19), for its navigation. */
export const TEAM_PAGES: readonly PageName[] = ['team', 'activity', 'tasks', 'memory', 'push'];

const NAV: [PageName, string, string][] = [
  ['dashboard', '/', 'Dashboard'],
  // A team node's home page (team-page.ts), in the place of the dashboard.
  ['team', '/', 'Team'],
  ['activity', '/activity', 'Activity'],
  ['tasks', '/tasks', 'Tasks'],
  ['memory', '/memory', 'Memory'],
  ['push', '/push', 'Push'],
];

/**
 * Every page: no inline script or style (the CSP allows only 'self'), the CSRF token
 * in a meta tag for the script, the manifest and icon for "Add to Home Screen". `pages`:
 * which the navigation links to (by default the single daemon's; a team node's are its team and push pages).
 */
export function layout(opts: { title: string; page: PageName; csrf?: string; head?: string; body: string; pages?: readonly PageName[] }): string {
  const pages = opts.pages;
  const nav = opts.csrf
    ? `<nav>${NAV.filter(([page]) => (pages ? pages.includes(page) : page !== 'team')).map(([page, href, label]) => `<a href="${href}"${page === opts.page ? ' aria-current="page"' : ''}>${label}</a>`).join('')}
      <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${esc(opts.csrf)}"><button type="submit">Log out</button></form></nav>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)} · vigil</title>
${opts.csrf ? `<meta name="csrf-token" content="${esc(opts.csrf)}">` : ''}
${opts.head ?? ''}
<meta name="theme-color" content="#131517">
<meta name="apple-mobile-web-app-capable" content="yes">
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/icon.png">
<link rel="apple-touch-icon" href="/icon.png">
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body data-page="${opts.page}">
<header><h1>vigil</h1>${nav}</header>
<main>
${opts.body}
</main>
</body>
</html>
`;
}
