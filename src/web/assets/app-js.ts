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
    fetch('/login/session', { credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : {}))
      .then((answer) => answer.session && location.replace('/' + location.hash))
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
    // The same form the page renders: it works without this script too.
    const form = el('form', 'answer');
    form.method = 'post';
    form.action = '/approvals/' + encodeURIComponent(a.id);
    const hidden = el('input');
    hidden.type = 'hidden';
    hidden.name = '_csrf';
    hidden.value = csrf;
    const label = el('label', '', 'Reason ');
    label.htmlFor = 'reason-' + a.id;
    label.append(el('span', 'muted', '(optional, kept with your answer)'));
    const reason = el('input');
    reason.id = 'reason-' + a.id;
    reason.name = 'reason';
    reason.type = 'text';
    reason.maxLength = 500;
    reason.autocomplete = 'off';
    const buttons = el('div', 'buttons');
    const approve = el('button', 'approve', 'Approve');
    approve.dataset.answer = 'approve';
    const deny = el('button', 'deny', 'Deny');
    deny.dataset.answer = 'deny';
    buttons.append(approve, deny);
    form.append(hidden, label, reason, buttons);
    const result = el('p', 'result');
    result.setAttribute('aria-live', 'polite');
    li.append(form, result);
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
    if (!item) return;
    // Answered in place; the form's own post is what happens without this script.
    event.preventDefault();
    const result = item.querySelector('.result');
    const reason = item.querySelector('input[name="reason"]');
    item.querySelectorAll('button').forEach((b) => (b.disabled = true));
    const res = await post('/api/approvals/' + encodeURIComponent(item.dataset.id) + '/' + button.dataset.answer, reason && reason.value.trim() ? { reason: reason.value } : {});
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

  // ── the Ask box: the owner's words to vigil, answered in place (and in the timeline) ──
  document.getElementById('ask-form')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = form.querySelector('textarea');
    const button = form.querySelector('button');
    const out = document.getElementById('ask-answer');
    out.hidden = false;
    out.classList.remove('error');
    out.textContent = 'vigil is thinking…';
    button.disabled = true;
    try {
      const res = await post('/api/ask', { text: text.value });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        out.textContent = body.text || body.summary || 'vigil answered.';
        text.value = '';
      } else {
        out.textContent = body.message || 'HTTP ' + res.status;
        out.classList.add('error');
      }
      refreshSoon();
    } finally {
      button.disabled = false;
    }
  });

  // ── status and the live timeline ─────────────────────────────────────────
  async function refreshStatus() {
    // The team page's figures are the team's, drawn with the page (no status cells to fill).
    if (page !== 'dashboard') return;
    const res = await fetch('/api/dashboard/status', { credentials: 'same-origin' });
    if (!res.ok) return;
    const view = await res.json();
    for (const [key, value] of Object.entries(view)) {
      const cell = document.querySelector('[data-status="' + key + '"]');
      if (cell) cell.textContent = value;
    }
  }

  // The timeline's threads, fetched again as the log grows: each thread whose last record
  // changed is redrawn in place (its raw toggle stays as the owner left it), new ones go on top.
  async function refreshThreads() {
    const section = document.getElementById('timeline');
    const list = document.getElementById('thread-list');
    if (!section || !list || section.dataset.live !== 'true') return;
    const res = await fetch('/api/threads' + location.search, { credentials: 'same-origin' });
    if (!res.ok) return;
    const view = await res.json();
    const template = document.createElement('template');
    let previous = null;
    for (const thread of view.threads) {
      let node = document.getElementById('thread-' + thread.id);
      if (!node || node.dataset.last !== thread.last) {
        template.innerHTML = thread.html;
        const fresh = template.content.firstElementChild;
        if (node) {
          fresh.querySelector('details').open = node.querySelector('details').open;
          node.replaceWith(fresh);
        }
        node = fresh;
      }
      if (previous ? previous.nextElementSibling !== node : list.firstElementChild !== node) {
        if (previous) previous.after(node);
        else list.prepend(node);
      }
      previous = node;
    }
    const kept = new Set(view.threads.map((t) => 'thread-' + t.id));
    for (const node of [...list.children]) if (!kept.has(node.id)) node.remove();
    document.getElementById('timeline-empty').hidden = view.threads.length > 0;
  }

  let pending = null;
  const refreshSoon = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      refreshThreads().catch(() => undefined);
    }, 200);
  };

  // A team node's page (issue 19) follows every node's chain the same way.
  if (page === 'dashboard' || page === 'team') {
    const events = new EventSource('/api/events');
    events.addEventListener('entry', (message) => {
      const entry = JSON.parse(message.data);
      refreshSoon();
      if (/^(approval|action|decision|event|tick)\./.test(entry.type)) {
        refreshApprovals().catch(() => undefined);
        refreshStatus().catch(() => undefined);
      }
    });
    // After a reconnect, whatever happened meanwhile is fetched again.
    events.addEventListener('open', () => {
      refreshApprovals().catch(() => undefined);
      refreshStatus().catch(() => undefined);
      refreshSoon();
    });
    setInterval(() => refreshStatus().catch(() => undefined), 30000);
  }

  // ── tasks: each card drawn again as its figures change (server-sent events) ──
  // The list page only (a transcript page is a Tasks page too, without the list).
  const taskList = document.getElementById('task-list');
  if (page === 'tasks' && taskList) {
    const list = taskList;
    const stream = new EventSource('/api/tasks/stream');
    stream.addEventListener('tasks', (message) => {
      const view = JSON.parse(message.data);
      const template = document.createElement('template');
      template.innerHTML = view.tasks.map((t) => t.html).join('');
      list.replaceChildren(...template.content.children);
      document.getElementById('tasks-empty').hidden = view.tasks.length > 0;
    });
  }

  // ── activity: the pictures, drawn with uPlot (served by vigil) ─────────────
  async function drawCharts() {
    const hourly = document.getElementById('chart-hourly');
    if (!hourly || !window.uPlot) return;
    const res = await fetch('/api/charts?day=' + encodeURIComponent(hourly.dataset.day), { credentials: 'same-origin' });
    if (!res.ok) return;
    const data = await res.json();
    const width = (node) => Math.max(280, node.clientWidth);
    let charts = [];
    // Colours come from the page's theme: drawn again when light or dark changes.
    const render = () => {
      charts.forEach(([, chart]) => chart.destroy());
      charts = [];
      const style = getComputedStyle(document.body);
      const fg = style.color;
      const grid = style.getPropertyValue('--line').trim() || '#ccc';
      const colours = { a: '#3b82f6', b: '#2f9e6f', c: '#d97706', d: '#9b59b6' };
      const bars = uPlot.paths.bars({ size: [0.7, 40] });
      const axis = (extra) => Object.assign({ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } }, extra || {});
      const make = (node, opts, series) => {
        const chart = new uPlot(Object.assign({ width: width(node), height: 220, legend: { show: true }, cursor: { drag: { x: false, y: false } } }, opts), series, node);
        // What the chart holds, for people and tests alike: the non-zero points of each series.
        node.dataset.points = JSON.stringify(chart.data.slice(1).map((values) => values.filter((v) => v > 0).length));
        node.dataset.length = String(chart.data[0].length);
        node.setAttribute('role', 'img');
        node.setAttribute('aria-label', node.previousElementSibling ? node.previousElementSibling.textContent : 'chart');
        charts.push([node, chart]);
      };
      make(hourly, {
        scales: { x: { time: false } },
        axes: [axis({ values: (u, ticks) => ticks.map((h) => String(h).padStart(2, '0') + 'h') }), axis()],
        series: [{}, { label: 'events', stroke: colours.a, fill: colours.a + '88', paths: bars, points: { show: false } }, { label: 'actions', stroke: colours.b, fill: colours.b + '88', paths: bars, points: { show: false } }],
      }, [data.hours, data.events, data.actions]);
      const names = ['acted', 'quiet', 'set aside', 'together'];
      make(document.getElementById('chart-outcomes'), {
        scales: { x: { time: false, range: [-0.5, 3.5] } },
        axes: [axis({ values: (u, ticks) => ticks.map((i) => names[i] || ''), splits: () => [0, 1, 2, 3] }), axis()],
        series: [{}, { label: 'decisions', stroke: colours.c, fill: colours.c + '88', paths: bars, points: { show: false } }],
      }, [[0, 1, 2, 3], [data.outcomes.acted, data.outcomes.quiet, data.outcomes.skipped, data.outcomes.coalesced]]);
      const days = data.days.map((d) => Date.parse(d + 'T12:00:00') / 1000);
      make(document.getElementById('chart-tokens'), {
        axes: [axis(), axis({ size: 60 })],
        series: [{}, { label: 'input', stroke: colours.a }, { label: 'output', stroke: colours.b }, { label: 'cache read', stroke: colours.d }],
      }, [days, data.tokens.input, data.tokens.output, data.tokens.cacheRead]);
      make(document.getElementById('chart-cost'), {
        scales: { share: { range: [0, 100] } },
        axes: [axis(), axis({ values: (u, ticks) => ticks.map((v) => '$' + v.toFixed(2)), size: 60 }), axis({ scale: 'share', side: 1, grid: { show: false }, values: (u, ticks) => ticks.map((v) => v + '%') })],
        series: [{}, { label: 'cost (US$)', stroke: colours.c }, { label: 'cache share', stroke: colours.d, scale: 'share' }],
      }, [days, data.costUsd, data.cacheShare.map((v) => Math.round(v * 100))]);
    };
    render();
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', render);
    window.addEventListener('resize', () => charts.forEach(([node, chart]) => chart.setSize({ width: width(node), height: 220 })));
    document.body.dataset.charts = 'drawn';
  }

  if (page === 'activity') drawCharts().catch(() => undefined);

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
