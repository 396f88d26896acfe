// The local mailbox: every email the plugin rendered, with its HTML (in a sandboxed iframe: no
// scripts, no same-origin access; forms may post, so an email's unsubscribe link can be followed and
// confirmed inside it), its text part and its headers (List-Unsubscribe among them).
import { $, el, timeOf } from './dom.js';

let mails = [];
let selectedId = null;

function showPart(name) {
  for (const part of ['html', 'text', 'headers']) {
    $(`tab-${part}`).setAttribute('aria-selected', String(part === name));
    $(`part-${part}`).hidden = part !== name;
  }
}

function renderView(mail) {
  $('mail-view').hidden = false;
  $('mail-meta').replaceChildren(
    ...[
      ['From', mail.from],
      ['To', mail.to],
      ['Subject', mail.subject],
      ['Sent', new Date(mail.created_at).toLocaleString()],
    ].flatMap(([term, value]) => [el('dt', { textContent: term }), el('dd', { textContent: value })]),
  );
  $('part-html').srcdoc = mail.html;
  $('part-text').textContent = mail.text;
  const headers = Object.entries(mail.headers ?? {});
  $('part-headers').tBodies[0].replaceChildren(
    ...(headers.length > 0
      ? headers.map(([name, value]) => el('tr', {}, el('th', { textContent: name }), el('td', { textContent: String(value) })))
      : [el('tr', {}, el('td', { textContent: 'No extra headers (critical emails carry no unsubscribe link).' }))]),
  );
}

function renderList() {
  $('mail-empty').hidden = mails.length > 0;
  $('mail-list').replaceChildren(
    ...mails.map((mail) => {
      const button = el(
        'button',
        { type: 'button' },
        el('span', { className: 'subject', textContent: mail.subject }),
        el(
          'span',
          { className: 'meta' },
          el('span', { className: 'to', textContent: mail.to }),
          el('span', { textContent: timeOf(mail.created_at) }),
        ),
      );
      button.setAttribute('aria-current', String(mail.id === selectedId));
      button.addEventListener('click', () => select(mail.id));
      return el('li', {}, button);
    }),
  );
}

function select(id) {
  selectedId = id;
  renderList();
  renderView(mails.find((mail) => mail.id === id));
}

export async function refreshMailbox() {
  const response = await fetch('/demo/mailbox');
  if (!response.ok) return;
  const latest = await response.json();
  const changed = latest.map((m) => m.id).join() !== mails.map((m) => m.id).join();
  const newArrival = latest[0]?.id !== mails[0]?.id;
  mails = latest;
  if (!changed) return;
  // A new email opens by itself; otherwise the one being read stays open while it is listed.
  if (newArrival || !mails.some((mail) => mail.id === selectedId)) selectedId = mails[0]?.id ?? null;
  renderList();
  if (selectedId) renderView(mails.find((mail) => mail.id === selectedId));
  else $('mail-view').hidden = true;
}

for (const part of ['html', 'text', 'headers']) $(`tab-${part}`).addEventListener('click', () => showPart(part));
