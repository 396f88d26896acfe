import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { Task } from '@lit/task';
import type { ApiClient } from '../client/api.js';
import type { I18n } from '../client/i18n/i18n.js';
import type { LoadState } from '../client/store.js';
import type { Notification, Preferences, PreferencesUpdate } from '../client/types.js';
import { InfiniteScrollController } from '../controllers/infinite-scroll-controller.js';
import { renderNotificationItem, type ItemActions } from './notification-item.js';
import { renderPreferences } from './preferences-view.js';
import { baseStyles } from './theme.styles.js';
import { centerStyles } from './tresta-center.styles.js';

export interface CenterActions extends ItemActions {
  close(): void;
  markAllRead(): void;
  loadMore(): void;
  retry(): void;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';
/** Relative times ("5 minutes ago") are refreshed this often while the center is open. */
const CLOCK_TICK_MS = 60_000;

/**
 * The notification center: a dialog (focus moves in, Tab stays in, Escape closes) with the list,
 * newest first, loaded page by page as it scrolls, and a preferences view.
 *
 * @csspart panel - the dialog
 * @csspart header - its title bar
 * @csspart mark-all-read - the "Mark all read" button
 * @csspart item - one notification (also `item-read` or `item-unread`)
 * @csspart item-link - the clickable body of an item
 * @csspart item-toggle - the read / unread button of an item
 * @csspart preferences - the preferences form
 */
export class TrestaCenter extends LitElement {
  static override styles = [baseStyles, centerStyles];
  static override properties = {
    i18n: { attribute: false },
    api: { attribute: false },
    actions: { attribute: false },
    items: { attribute: false },
    unreadCount: { type: Number },
    listState: { type: String },
    moreState: { type: String },
    hasMore: { type: Boolean },
    view: { state: true },
    saved: { state: true },
    saveFailed: { state: true },
  };

  declare i18n: I18n;
  declare api: ApiClient;
  declare actions: CenterActions;
  declare items: readonly Notification[];
  declare unreadCount: number;
  declare listState: LoadState;
  declare moreState: LoadState;
  declare hasMore: boolean;
  declare view: 'list' | 'preferences';
  /** Preferences as last saved, shown instead of the loaded ones once the user changed something. */
  declare saved: Preferences | null;
  declare saveFailed: boolean;
  private clock: ReturnType<typeof setInterval> | undefined;

  private readonly preferences = new Task(this, {
    task: async ([view]: readonly ['list' | 'preferences']) => (view === 'preferences' ? this.api.preferences() : null),
    args: () => [this.view] as const,
  });

  constructor() {
    super();
    this.items = [];
    this.unreadCount = 0;
    this.listState = 'idle';
    this.moreState = 'idle';
    this.hasMore = false;
    this.view = 'list';
    this.saved = null;
    this.saveFailed = false;
    new InfiniteScrollController(
      this,
      () => this.renderRoot.querySelector('.end'),
      () => this.renderRoot.querySelector('.scroller'),
      () => this.actions.loadMore(),
    );
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.clock = setInterval(() => this.requestUpdate(), CLOCK_TICK_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.clock);
  }

  protected override firstUpdated(): void {
    this.focusables()[0]?.focus();
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Switching views replaces the focused control: keep focus inside the dialog.
    if (changed.has('view') && changed.get('view') !== undefined) this.focusables()[0]?.focus();
  }

  override render() {
    const { strings } = this.i18n;
    const inPreferences = this.view === 'preferences';
    return html`
      <div part="panel" class="panel" role="dialog" aria-modal="true" aria-labelledby="heading" @keydown=${this.onKeydown}>
        <header part="header">
          ${
            inPreferences
              ? html`<button class="icon-button" type="button" aria-label=${strings.back} @click=${() => this.show('list')}>
                  ${icon('M15 6l-6 6 6 6')}
                </button>`
              : nothing
          }
          <h2 id="heading">${inPreferences ? strings.preferences : strings.notifications}</h2>
          ${
            !inPreferences && this.unreadCount > 0
              ? html`<button part="mark-all-read" class="text-button" type="button" @click=${() => this.actions.markAllRead()}>
                  ${strings.markAllRead}
                </button>`
              : nothing
          }
          ${
            inPreferences
              ? nothing
              : html`<button
                  class="icon-button"
                  type="button"
                  aria-label=${strings.preferences}
                  @click=${() => this.show('preferences')}
                >
                  ${icon('M4 7h10M18 7h2M4 17h4M12 17h8M14 5v4M8 15v4')}
                </button>`
          }
          <button class="icon-button" type="button" aria-label=${strings.close} @click=${() => this.actions.close()}>
            ${icon('M6 6l12 12M18 6L6 18')}
          </button>
        </header>
        ${inPreferences ? this.renderPreferencesView() : this.renderList()}
      </div>
    `;
  }

  private renderList() {
    const { strings } = this.i18n;
    if (this.listState === 'error') {
      return html`<div class="state" role="alert">
        ${strings.loadError}
        <button class="text-button" type="button" @click=${() => this.actions.retry()}>${strings.retry}</button>
      </div>`;
    }
    if (this.listState !== 'ready') return html`<p class="state" role="status">${strings.loading}</p>`;
    if (this.items.length === 0) return html`<p class="state" role="status">${strings.empty}</p>`;
    const now = Date.now();
    return html`
      <div class="scroller">
        <ul aria-labelledby="heading" aria-busy=${String(this.moreState === 'loading')}>
          ${repeat(
            this.items,
            (item) => item.id,
            (item) => renderNotificationItem(item, this.i18n, this.actions, now),
          )}
        </ul>
        ${this.moreState === 'loading' ? html`<p class="state" role="status">${strings.loading}</p>` : nothing}
        ${
          this.moreState === 'error'
            ? html`<div class="state" role="alert">
                ${strings.loadError}
                <button class="text-button" type="button" @click=${() => this.actions.loadMore()}>${strings.retry}</button>
              </div>`
            : nothing
        }
        ${this.hasMore && this.moreState !== 'error' ? html`<div class="end"></div>` : nothing}
      </div>
    `;
  }

  private renderPreferencesView() {
    const { strings } = this.i18n;
    return this.preferences.render({
      pending: () => html`<p class="state" role="status">${strings.loading}</p>`,
      error: () =>
        html`<div class="state" role="alert">
          ${strings.loadError}
          <button class="text-button" type="button" @click=${() => this.preferences.run()}>${strings.retry}</button>
        </div>`,
      complete: (loaded) => {
        const current = this.saved ?? loaded;
        if (!current) return nothing;
        return html`
          ${renderPreferences(current, this.i18n, (update) => void this.save(update))}
          ${this.saveFailed ? html`<p class="state error" role="alert">${strings.saveError}</p>` : nothing}
        `;
      },
    });
  }

  private show(view: 'list' | 'preferences'): void {
    this.saved = null;
    this.saveFailed = false;
    this.view = view;
  }

  private async save(update: PreferencesUpdate): Promise<void> {
    try {
      this.saved = await this.api.updatePreferences(update);
      this.saveFailed = false;
    } catch {
      this.saveFailed = true;
    }
  }

  private focusables(): HTMLElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLElement>(`.panel :is(${FOCUSABLE})`)];
  }

  /** Escape closes; Tab and Shift+Tab wrap around inside the dialog. */
  private readonly onKeydown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      return this.actions.close();
    }
    if (event.key !== 'Tab') return;
    const focusables = this.focusables();
    const index = focusables.indexOf((this.shadowRoot?.activeElement ?? null) as HTMLElement);
    const target = event.shiftKey
      ? index <= 0
        ? focusables.at(-1)
        : null
      : index === -1 || index === focusables.length - 1
        ? focusables[0]
        : null;
    if (target) {
      event.preventDefault();
      target.focus();
    }
  };
}

function icon(path: string) {
  return html`<svg
    viewBox="0 0 24 24"
    aria-hidden="true"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
  >
    <path d=${path} />
  </svg>`;
}

/** Called by the root element when the center is first opened: this module is a lazy chunk. */
export function defineTrestaCenter(): void {
  if (!customElements.get('tresta-center')) customElements.define('tresta-center', TrestaCenter);
}
