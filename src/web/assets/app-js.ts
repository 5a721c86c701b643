/**
 * The dashboard's one script, served as /static/app.js. Plain browser JavaScript kept
 * as a string so the daemon serves it straight from the build: there is no front-end
 * build step. The pages work without it (server-rendered); it adds live updates (SSE),
 * answering approvals in place, and the push subscription.
 */
export const APP_JS = String.raw`'use strict';
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';
  const page = document.body.dataset.page;
  const post = (url, body) =>
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    });
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // A link from elsewhere (a notification, ntfy) arrives without the SameSite=Strict cookie
  // and lands here; the same request from this page carries it, so the session shows.
  if (page === 'login') {
    fetch('/api/dashboard/status', { credentials: 'same-origin' })
      .then((res) => res.ok && location.replace('/' + location.hash))
      .catch(() => undefined);
  }

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  }

  // ── approvals ────────────────────────────────────────────────────────────
  function approvalItem(a) {
    const li = el('li', 'approval');
    li.id = 'approval-' + a.id;
    li.dataset.id = a.id;
    li.append(el('h3', 'what', a.action), el('p', 'summary', a.summary || JSON.stringify(a.params)));
    if (a.rationale) li.append(el('p', 'why', a.rationale));
    li.append(el('p', 'expires', 'expires ' + new Date(a.expiresAt).toLocaleString()));
    const buttons = el('div', 'buttons');
    const approve = el('button', 'approve', 'Approve');
    approve.dataset.answer = 'approve';
    const deny = el('button', 'deny', 'Deny');
    deny.dataset.answer = 'deny';
    buttons.append(approve, deny);
    li.append(buttons, el('p', 'result'));
    return li;
  }

  async function refreshApprovals() {
    const list = document.getElementById('approval-list');
    if (!list) return;
    const res = await fetch('/api/approvals', { credentials: 'same-origin' });
    if (!res.ok) return;
    const approvals = await res.json();
    list.replaceChildren(...approvals.map(approvalItem));
    document.getElementById('approvals-empty').hidden = approvals.length > 0;
    document.getElementById('approvals-count').textContent = String(approvals.length);
  }

  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-answer]');
    if (!button) return;
    const item = button.closest('li[data-id]');
    const result = item.querySelector('.result');
    item.querySelectorAll('button').forEach((b) => (b.disabled = true));
    const res = await post('/api/approvals/' + encodeURIComponent(item.dataset.id) + '/' + button.dataset.answer);
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      result.textContent = body.state === 'approved' ? 'Approved — the worker runs it.' : 'Denied.';
      item.classList.add('answered');
    } else {
      result.textContent = body.message || 'HTTP ' + res.status;
      item.classList.add('error');
      item.querySelectorAll('button').forEach((b) => (b.disabled = false));
    }
  });

  // ── status and the live timeline ─────────────────────────────────────────
  async function refreshStatus() {
    const res = await fetch('/api/dashboard/status', { credentials: 'same-origin' });
    if (!res.ok) return;
    const view = await res.json();
    for (const [key, value] of Object.entries(view)) {
      const cell = document.querySelector('[data-status="' + key + '"]');
      if (cell) cell.textContent = value;
    }
  }

  function timelineItem(entry) {
    const li = el('li', 'entry kind-' + entry.type.split('.')[0]);
    li.dataset.type = entry.type;
    li.textContent = entry.text;
    return li;
  }

  if (page === 'dashboard') {
    const events = new EventSource('/api/events');
    events.addEventListener('entry', (message) => {
      const entry = JSON.parse(message.data);
      document.getElementById('timeline-list').prepend(timelineItem(entry));
      document.getElementById('timeline-empty').hidden = true;
      if (/^(approval|action|decision|event|tick)\./.test(entry.type)) {
        refreshApprovals().catch(() => undefined);
        refreshStatus().catch(() => undefined);
      }
    });
    // After a reconnect, whatever happened meanwhile is fetched again.
    events.addEventListener('open', () => {
      refreshApprovals().catch(() => undefined);
      refreshStatus().catch(() => undefined);
    });
    setInterval(() => refreshStatus().catch(() => undefined), 30000);
  }

  // ── push subscription ────────────────────────────────────────────────────
  const say = (text) => {
    const out = document.getElementById('push-result');
    if (out) out.textContent = text;
  };
  const keyBytes = (base64url) => {
    const raw = atob(base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };

  document.getElementById('push-subscribe')?.addEventListener('click', async () => {
    try {
      if (!window.isSecureContext) return say('Push needs a secure context: open the dashboard over https:// or http://localhost.');
      if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
        return say('This browser has no Web Push here. On an iPhone, first add vigil to the home screen (Share → Add to Home Screen) and open it from there.');
      }
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') return say('Notifications are blocked for this site (' + permission + ').');
      const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      await navigator.serviceWorker.ready;
      const key = document.querySelector('meta[name="vapid-key"]').content;
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      const res = await post('/api/push/subscriptions', subscription.toJSON());
      say(res.status === 201 ? 'This browser now gets vigil\'s notifications.' : 'vigil refused the subscription (HTTP ' + res.status + ').');
    } catch (err) {
      say('Could not subscribe: ' + err.message);
    }
  });

  document.getElementById('push-test')?.addEventListener('click', async () => {
    say('Sending…');
    const res = await post('/api/push/test');
    const answer = res.ok ? await res.json() : null;
    say(answer ? answer.message : 'vigil could not send it (HTTP ' + res.status + ').');
  });
})();
`;
