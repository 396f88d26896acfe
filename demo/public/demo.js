// The demo page's script: plain DOM, every server text set with textContent (never innerHTML).
const $ = (id) => document.getElementById(id);
const state = { token: null, admin: false, items: new Map(), socket: null };

const api = (path, init = {}) =>
  fetch(path, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${state.token}`, ...init.headers } }).then((r) => r.json());

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function renderList() {
  const items = [...state.items.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  $('list').replaceChildren(
    ...items.map((n) => {
      const li = el('li', { className: `item${n.isRead ? '' : ' unread'}` }, el('div', { className: 'title', textContent: n.title }), el('div', { textContent: n.message }), el('div', { className: 'meta', textContent: `${n.type} · ${new Date(n.createdAt).toLocaleTimeString()}` }));
      li.addEventListener('click', async () => {
        state.items.set(n.id, await api(`/api/notifications/${n.id}`, { method: 'PATCH', body: JSON.stringify({ isRead: true }) }));
        renderList();
        refreshCount();
      });
      return li;
    }),
  );
}

async function refreshCount() {
  const { count } = await api('/api/notifications/unread-count');
  $('badge').textContent = count > 9 ? '9+' : String(count);
  $('badge').hidden = count === 0;
  $('badge').setAttribute('aria-label', `${count} unread notifications`);
}

async function refreshMailbox() {
  const mails = await fetch('/demo/mailbox').then((r) => r.json());
  $('mailbox').replaceChildren(
    ...mails.map((m) => {
      const frame = el('iframe', { title: m.subject, sandbox: '' });
      frame.srcdoc = m.html;
      return el('div', { className: 'mail' }, el('div', { className: 'title', textContent: m.subject }), el('div', { className: 'meta', textContent: `to ${m.to}` }), frame);
    }),
  );
}

function toast(n) {
  const node = el('div', { className: 'toast', role: 'status', textContent: `${n.title} — ${n.message}` });
  document.body.append(node);
  setTimeout(() => node.remove(), 4000);
}

function connect() {
  state.socket?.close();
  const socket = new WebSocket(`${location.origin.replace('http', 'ws')}/api/notifications/ws`);
  state.socket = socket;
  socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token: state.token }));
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === 'ready') $('transport').textContent = 'live over the built-in WebSocket';
    if (frame.name === 'new-notification' && !state.items.has(frame.data.id)) {
      state.items.set(frame.data.id, frame.data);
      renderList();
      refreshCount();
      toast(frame.data);
      setTimeout(refreshMailbox, 500);
    }
    if (frame.name === 'notifications-read') {
      for (const n of state.items.values()) if (frame.data.all || frame.data.ids?.includes(n.id)) n.isRead = true;
      renderList();
      refreshCount();
    }
  };
  socket.onclose = () => {
    if (state.socket === socket) $('transport').textContent = 'disconnected';
  };
}

async function signIn(user) {
  const session = await fetch(`/demo/token?user=${user}`).then((r) => r.json());
  Object.assign(state, { token: session.token, admin: session.admin, items: new Map() });
  $('actions').replaceChildren(
    ...session.types.map((type) => {
      const button = el('button', { className: `action${/FLAGGED|SECURITY/.test(type) ? ' critical' : ''}`, textContent: type });
      button.addEventListener('click', () => api('/demo/notify', { method: 'POST', body: JSON.stringify({ type }) }));
      return button;
    }),
  );
  const page = await api('/api/notifications?limit=50');
  for (const n of page.items) state.items.set(n.id, n);
  renderList();
  refreshCount();
  refreshMailbox();
  $('admin').hidden = !state.admin;
  if (state.admin) refreshMetrics();
  connect();
}

async function refreshMetrics() {
  $('metrics').textContent = JSON.stringify(await api('/admin/metrics'), null, 2);
}

$('user').addEventListener('change', (event) => signIn(event.target.value));
$('flood').addEventListener('click', () => api('/demo/notify', { method: 'POST', body: JSON.stringify({ type: 'NEW_TESTIMONIAL', count: 100 }) }));
$('mark-all').addEventListener('click', () => api('/api/notifications/mark-all-read', { method: 'POST' }));
$('refresh-metrics').addEventListener('click', refreshMetrics);
$('bell').addEventListener('click', () => $('list').scrollIntoView({ behavior: 'smooth' }));
signIn('ada');
