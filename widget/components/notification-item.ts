import { html } from 'lit';
import type { I18n } from '../client/i18n/i18n.js';
import { safeHref } from '../client/safe-link.js';
import type { Notification } from '../client/types.js';

export interface ItemActions {
  /** The item was clicked: mark it read, and follow its link (`event` is the click on it). */
  open(notification: Notification, event: MouseEvent): void;
  toggleRead(notification: Notification): void;
}

/**
 * One notification in the center's list. Server text goes through text bindings only (never as
 * HTML), and the link only becomes an href when it is http(s) or a same-site path; otherwise the
 * item is a plain button that marks it read.
 */
export function renderNotificationItem(notification: Notification, i18n: I18n, actions: ItemActions, now: number) {
  const { strings } = i18n;
  const href = safeHref(notification.link, document.baseURI);
  const state = notification.isRead ? 'read' : 'unread';
  const content = html`
    <span class="type">${i18n.typeName(notification.type)}</span>
    <span class="title">${notification.title}</span>
    <span class="message">${notification.message}</span>
    <time class="time" datetime=${notification.createdAt}>${i18n.relativeTime(notification.createdAt, now)}</time>
  `;
  return html`
    <li part="item item-${state}" class="item ${state}" data-id=${notification.id}>
      ${
        href
          ? html`<a part="item-link" class="main" href=${href} @click=${(event: MouseEvent) => actions.open(notification, event)}
              >${content}</a
            >`
          : html`<button
              part="item-link"
              class="main"
              type="button"
              @click=${(event: MouseEvent) => actions.open(notification, event)}
            >
              ${content}
            </button>`
      }
      <button
        part="item-toggle"
        class="toggle"
        type="button"
        aria-label=${notification.isRead ? strings.markUnread : strings.markRead}
        title=${notification.isRead ? strings.markUnread : strings.markRead}
        @click=${() => actions.toggleRead(notification)}
      >
        <span class="dot" aria-hidden="true"></span>
      </button>
    </li>
  `;
}
