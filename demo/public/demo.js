// The demo page: sign in as a demo user, fire notifications for them, read the mailbox, and (as
// the admin) operate the pipeline. The notifications themselves are the widget's business.
import { $, el } from './dom.js';
import { refreshMailbox } from './mailbox.js';
import { refreshOperations } from './operations.js';
import { api, sessionToken, signIn } from './session.js';

const WIDGET = 'tresta-notifications';
const EMAIL_CHANNEL = { immediate: 'in-app + email at once', digest: 'in-app + daily digest email', none: 'in-app only' };

/**
 * Mounts a fresh widget from the header's template, for the first user and on every switch, so one
 * user's list and socket never carry over to the next. It waits for the widget's script to define
 * the element: the element is then upgraded as it is created, and has its tokenProvider before it
 * connects and makes its first request.
 */
async function mountWidget() {
  await customElements.whenDefined(WIDGET);
  const slot = $('widget-slot');
  const widget = document.importNode(slot.querySelector('template').content.querySelector(WIDGET), true);
  widget.tokenProvider = sessionToken;
  slot.querySelector(`:scope > ${WIDGET}`)?.remove();
  slot.append(widget);
}

/** Which transport the widget uses right now (Ably, WebSocket, polling), shown in the header. */
setInterval(() => {
  const widget = document.querySelector(WIDGET);
  if (widget) $('transport').textContent = widget.transport;
}, 1_000);

function renderTypes(types) {
  $('types').replaceChildren(
    ...types.map(({ name, email, push }) => {
      const button = el(
        'button',
        { type: 'button', className: `type-button${email === 'immediate' ? ' critical' : ''}` },
        el('span', { className: 'type-name', textContent: name }),
        el('span', {
          className: 'type-channel',
          textContent: `${EMAIL_CHANNEL[email] ?? `in-app + ${email} email`}${push ? ' + push' : ''}`,
        }),
      );
      button.addEventListener('click', () => fire(name, 1));
      return el('li', {}, button);
    }),
  );
}

async function fire(type, count) {
  try {
    const { written } = await api('/demo/notify', { method: 'POST', body: { type, count } });
    $('fired').textContent = written === 1 ? `${type} sent` : `${written} × ${type} sent`;
  } catch (error) {
    $('fired').textContent = `Not sent: ${error.message}`;
  }
}

function showSession(session) {
  $('avatar').textContent = session.name[0];
  $('user').value = session.user;
  renderTypes(session.types);
  $('fired').textContent = '';
  $('operations').hidden = !session.admin;
  $('push-key').textContent = session.webPush.vapidPublicKey;
  $('push-source').textContent = `${session.webPush.source}; subject ${session.webPush.subject}`;
  if (session.admin) refreshOperations();
}

async function switchUser(user) {
  const session = await signIn(user);
  showSession(session);
  await mountWidget();
}

$('user').addEventListener('change', (event) => switchUser(event.target.value));
$('flood').addEventListener('click', () => fire('NEW_TESTIMONIAL', 100));

// Emails arrive a moment after the notification (the email worker runs after delivery): the
// mailbox looks again every two seconds while the page is in view.
setInterval(() => document.visibilityState === 'visible' && refreshMailbox(), 2_000);
refreshMailbox();

// Say so when the widget's script does not define the element, instead of leaving a dead bell.
const widgetLoaded = customElements.whenDefined(WIDGET).then(() => true);
const gaveUp = new Promise((resolve) => setTimeout(() => resolve(false), 5_000));
Promise.race([widgetLoaded, gaveUp]).then((loaded) => ($('widget-note').hidden = loaded));

switchUser('ada');
