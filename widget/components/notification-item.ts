import { css, html, nothing, svg, type TemplateResult } from 'lit';
import type { I18n } from '../client/i18n/i18n.js';
import { safeHref } from '../client/safe-link.js';
import type { Notification, NotificationAction, Severity } from '../client/types.js';

export interface ItemActions {
  /** The item was clicked: mark it read, and follow its link (`event` is the click on it). */
  open(notification: Notification, event: MouseEvent): void;
  toggleRead(notification: Notification): void;
  toggleArchived(notification: Notification): void;
  /** One of the notification's action buttons. */
  act(notification: Notification, action: NotificationAction): void;
}

/** Replaces an item's body (title, message, meta line) with the host's own element; null keeps the default. */
export type RenderItem = (notification: Notification) => HTMLElement | null;

/** A host's icons, by notification type or by severity (the type wins): text (an emoji, initials) or an element, copied. */
export type ItemIcons = Record<string, string | HTMLElement>;

const strokes = (...paths: string[]) => paths.map((d) => svg`<path d=${d} />`);

/** Built-in icons: the default types, then one per severity. */
const BUILT_IN_ICONS: Record<string, ReturnType<typeof strokes>> = {
  NEW_TESTIMONIAL: strokes('M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z'),
  TESTIMONIAL_APPROVED: strokes('M5 12.5l4.5 4.5L19 7.5'),
  TESTIMONIAL_REJECTED: strokes('M6 6l12 12M18 6L6 18'),
  TESTIMONIAL_FLAGGED: strokes('M5 21V4M5 4h11l-2 4 2 4H5'),
  SECURITY_ALERT: strokes('M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z', 'M12 8v5M12 16v.5'),
  info: strokes('M6 9a6 6 0 0 1 12 0c0 5 2 6.5 2 6.5H4S6 14 6 9', 'M10 19a2 2 0 0 0 4 0'),
  success: strokes('M5 12.5l4.5 4.5L19 7.5'),
  warning: strokes('M12 4L2.5 20h19z', 'M12 10v4M12 17v.5'),
  critical: strokes('M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z', 'M12 8v5M12 16v.5'),
};

export function icon(paths: ReturnType<typeof strokes> | string): TemplateResult {
  return html`<svg
    viewBox="0 0 24 24"
    aria-hidden="true"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
  >
    ${typeof paths === 'string' ? strokes(paths) : paths}
  </svg>`;
}

export const severityOf = (notification: Notification): Severity => notification.severity ?? 'info';

function itemIcon(notification: Notification, icons: ItemIcons) {
  const custom = icons[notification.type] ?? icons[severityOf(notification)];
  if (typeof custom === 'string') return custom;
  if (custom) return custom.cloneNode(true);
  return icon(BUILT_IN_ICONS[notification.type] ?? BUILT_IN_ICONS[severityOf(notification)] ?? BUILT_IN_ICONS.info!);
}

export interface ItemView {
  i18n: I18n;
  actions: ItemActions;
  now: number;
  icons: ItemIcons;
  renderItem: RenderItem | null | undefined;
  /** The item holding the list's one Tab stop (roving tabindex); its buttons are reachable with Tab. */
  active: boolean;
  /** A group's expand toggle and its expanded rows, when the item stands for several. */
  group?: TemplateResult | typeof nothing;
}

/**
 * One notification in the center's list: an icon by type or severity, title and message clamped to
 * two lines, one meta line (category · relative time, the absolute time on hover), read and archive
 * buttons, and the notification's action buttons. Server text goes through text bindings only (never
 * as HTML), and links only become hrefs when http(s) or a same-site path.
 */
export function renderNotificationItem(notification: Notification, view: ItemView) {
  const { i18n, actions, active } = view;
  const { strings } = i18n;
  const href = safeHref(notification.link, document.baseURI);
  const state = notification.isRead ? 'read' : 'unread';
  const tabindex = active ? '0' : '-1';
  const custom = view.renderItem?.(notification) ?? null;
  const created = new Date(notification.createdAt);
  const body =
    custom ??
    html`<span class="text"
        ><span class="title">${notification.title}</span> <span class="message">${notification.message}</span></span
      >
      <span class="meta"
        >${notification.category ? html`<span class="category">${notification.category}</span><span aria-hidden="true"> · </span>` : nothing}<time
          datetime=${notification.createdAt}
          title=${created.toLocaleString(i18n.locale)}
          >${i18n.relativeTime(notification.createdAt, view.now)}</time
        ></span
      >`;
  const content = html`<span part="item-icon" class="icon" aria-hidden="true">${itemIcon(notification, view.icons)}</span
    ><span class="body">${body}</span>`;
  const open = (event: MouseEvent) => actions.open(notification, event);
  return html`
    <li part="item item-${state}" class="item ${state} severity-${severityOf(notification)}" data-id=${notification.id}>
      <div class="row">
        ${
          href
            ? html`<a part="item-link" class="main" href=${href} tabindex=${tabindex} @click=${open}>${content}</a>`
            : html`<button part="item-link" class="main" type="button" tabindex=${tabindex} @click=${open}>${content}</button>`
        }
        <span class="tools">
          ${toolButton('toggle', {
            tabindex,
            label: notification.isRead ? strings.markUnread : strings.markRead,
            onClick: () => actions.toggleRead(notification),
            content: html`<span class="dot" aria-hidden="true"></span>`,
          })}
          ${toolButton('archive', {
            tabindex,
            label: notification.isArchived ? strings.unarchive : strings.archive,
            onClick: () => actions.toggleArchived(notification),
            content: icon(notification.isArchived ? 'M4 12h12M12 8l4 4-4 4M20 5v14' : 'M4 7h16v13H4zM3 4h18v3H3zM10 11h4'),
          })}
        </span>
      </div>
      ${renderActionButtons(notification, actions, tabindex)} ${view.group ?? nothing}
    </li>
  `;
}

/** One of an item's tool buttons (read state, archive): its part is `item-<kind>`, its label also its tooltip. */
function toolButton(
  kind: 'toggle' | 'archive',
  button: { tabindex: string; label: string; onClick: () => void; content: unknown },
) {
  return html`<button
    part="item-${kind}"
    class="tool ${kind}"
    type="button"
    tabindex=${button.tabindex}
    aria-label=${button.label}
    title=${button.label}
    @click=${button.onClick}
  >
    ${button.content}
  </button>`;
}

/** A notification's own buttons (`.action`, `.action.primary`), alike in the center and in toasts. */
export const actionButtonStyles = css`
  .action {
    padding: 0.25rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    background: var(--_background);
    font-size: 0.8125rem;
    font-weight: 600;
    cursor: pointer;
  }
  .action.primary {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_accent-text);
  }
`;

/** A notification's action buttons (at most two), on items and toasts. */
export function renderActionButtons(notification: Notification, actions: Pick<ItemActions, 'act'>, tabindex = '0') {
  if (!notification.actions?.length) return nothing;
  return html`<div class="actions">
    ${notification.actions.map(
      (action) =>
        html`<button
          part="action action-${action.style ?? 'secondary'}"
          class="action ${action.style ?? 'secondary'}"
          type="button"
          tabindex=${tabindex}
          @click=${() => actions.act(notification, action)}
        >
          ${action.label}
        </button>`,
    )}
  </div>`;
}
