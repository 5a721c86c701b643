/**
 * The service worker, served as /sw.js (root scope). It shows vigil's pushes; an
 * approval carries Approve and Deny actions whose tap posts that approval's signed,
 * single-use capability token, so answering from the lock screen needs no login.
 * A plain tap (and iOS, which shows no actions) opens the dashboard at the approval.
 */
export const SW_JS = String.raw`'use strict';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: 'vigil', body: event.data ? event.data.text() : '' };
  }
  const options = {
    body: data.body || '',
    tag: data.tag,
    renotify: Boolean(data.tag),
    data,
    icon: '/icon.png',
    badge: '/icon.png',
    requireInteraction: Boolean(data.approval),
  };
  if (data.approval) {
    options.actions = [
      { action: 'approve', title: 'Approve' },
      { action: 'deny', title: 'Deny' },
    ];
  }
  if (data.rule) options.actions = [{ action: 'accept-rule', title: 'Add the rule' }];
  event.waitUntil(self.registration.showNotification(data.title || 'vigil', options));
});

self.addEventListener('notificationclick', (event) => {
  const notification = event.notification;
  const data = notification.data || {};
  notification.close();
  if (data.approval && (event.action === 'approve' || event.action === 'deny')) {
    event.waitUntil(answer(data, event.action));
  } else if (data.rule && event.action === 'accept-rule') {
    event.waitUntil(acceptRule(data));
  } else {
    event.waitUntil(openDashboard(data.url || '/'));
  }
});

async function answer(data, action) {
  const approval = data.approval;
  const token = action === 'approve' ? approval.approveToken : approval.denyToken;
  let text;
  try {
    const res = await fetch('/push/approvals/' + encodeURIComponent(approval.id) + '/' + action, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const body = await res.json().catch(() => ({}));
    text = res.ok ? (action === 'approve' ? 'Approved.' : 'Denied.') : body.message || 'Refused (HTTP ' + res.status + ').';
  } catch (err) {
    text = 'Could not reach vigil: ' + err.message;
  }
  await self.registration.showNotification(data.title || 'vigil', { body: text, tag: data.tag, data: { url: data.url }, icon: '/icon.png' });
}

// A suggested permission rule's button: its token adds the rule to config.json, once.
async function acceptRule(data) {
  let text;
  try {
    const res = await fetch('/push/rules/' + encodeURIComponent(data.rule.id), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: data.rule.token }),
    });
    const body = await res.json().catch(() => ({}));
    text = res.ok ? 'Rule added: it applies now.' : body.message || 'Refused (HTTP ' + res.status + ').';
  } catch (err) {
    text = 'Could not reach vigil: ' + err.message;
  }
  await self.registration.showNotification(data.title || 'vigil', { body: text, tag: data.tag, data: { url: '/' }, icon: '/icon.png' });
}

async function openDashboard(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) {
    if ('focus' in client) {
      if ('navigate' in client) await client.navigate(url).catch(() => undefined);
      return client.focus();
    }
  }
  return self.clients.openWindow(url);
}
`;
